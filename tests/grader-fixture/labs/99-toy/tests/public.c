/* public.c — the fixture's public tests: each calls toy(mode), and the
   fixture's lab.c misbehaves differently for each mode. */
#include "labtest.h"
#include "lab.h"

START_TEST(t_pass) { ck_assert_int_eq(toy(0), 0); } END_TEST
START_TEST(t_fail) { ck_assert_msg(toy(1) == 0, "toy(1): expected 0, got %d <&\"'> \x01\xff ]]> ```` <b>x</b> [l](http://x) *e*", toy(1)); } END_TEST
START_TEST(t_crash) { toy(2); } END_TEST
START_TEST(t_memleak) { toy(3); } END_TEST
START_TEST(t_ipcleak) { toy(4); } END_TEST
START_TEST(t_loop) { toy(5); } END_TEST
START_TEST(t_exit) { toy(6); ck_abort_msg("toy(6) should not have returned"); } END_TEST
START_TEST(t_childreturn) { ck_assert_int_eq(toy(7), 0); } END_TEST
START_TEST(t_badwrite) { toy(8); } END_TEST
START_TEST(t_forkbomb) { toy(10); } END_TEST
START_TEST(t_memhog) { ck_assert_msg(toy(11) == 0, "toy(11) ran out of memory"); } END_TEST
START_TEST(t_killparent) { ck_assert_int_eq(toy(12), 0); } END_TEST
START_TEST(t_closeout) { ck_assert_int_eq(toy(13), 0); } END_TEST
START_TEST(t_tamper) { ck_assert_int_eq(toy(14), 0); } END_TEST
START_TEST(t_semleak) { ck_assert_int_eq(toy(15), 0); } END_TEST
START_TEST(t_rmall) { ck_assert_int_eq(toy(16), 0); } END_TEST
START_TEST(t_sleeplock) { ck_assert_int_eq(toy(17), 0); } END_TEST
START_TEST(t_stall_under_valgrind) { ck_assert_int_eq(toy(18), 0); } END_TEST

Suite *lab_public_suite(void)
{
    Suite *s = suite_create("toy");
    TCase *c = tcase_create("Core");
    tcase_add_test(c, t_pass);
    tcase_add_test(c, t_fail);
    tcase_add_test(c, t_crash);
    tcase_add_test(c, t_memleak);
    tcase_add_test(c, t_ipcleak);
    tcase_add_test(c, t_loop);
    tcase_add_test(c, t_exit);
    tcase_add_test(c, t_childreturn);
    tcase_add_test(c, t_badwrite);
    tcase_add_test(c, t_forkbomb);
    tcase_add_test(c, t_memhog);
    tcase_add_test(c, t_killparent);
    tcase_add_test(c, t_closeout);
    tcase_add_test(c, t_stall_under_valgrind);
    tcase_add_test(c, t_tamper);
    tcase_add_test(c, t_semleak);
    tcase_add_test(c, t_rmall);
    tcase_add_test(c, t_sleeplock);
    suite_add_tcase(s, c);
    return s;
}
