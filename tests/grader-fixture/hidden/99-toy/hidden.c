/* hidden.c — the fixture's hidden tests: graded, never shown to students. */
#include "labtest.h"
#include "lab.h"

START_TEST(t_hidden_pass)
{
    ck_assert_int_eq(toy(0), 0);
}
END_TEST

START_TEST(t_hidden_abort)
{
    toy(9);
}
END_TEST

Suite *lab_hidden_suite(void)
{
    Suite *s = suite_create("toy-hidden");
    TCase *c = tcase_create("Core");
    tcase_add_test(c, t_hidden_pass);
    tcase_add_test(c, t_hidden_abort);
    suite_add_tcase(s, c);
    return s;
}
