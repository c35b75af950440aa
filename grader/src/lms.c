/* lms.c — a class's grades as the gradebooks LMSs import.

   OUT/canvas.csv   Canvas's gradebook import: Student, ID, SIS User ID,
                    SIS Login ID, Section, then one column per lab, and a
                    "Points Possible" row first; Canvas matches a row by ID,
                    SIS User ID or SIS Login ID.
   OUT/moodle.csv   Moodle's "Import grades from CSV": an identifier column
                    (mapped to a user field on import), then one column per
                    lab.

   --roster FILE    a CSV whose first row names its columns: "folder" (a
                    student's sub-folder of the class), and any of Student,
                    ID, SIS User ID, SIS Login ID, Section (for Canvas) and
                    Email address, Username, ID number (Moodle's identifier:
                    the first of these the roster has).  Other columns are
                    ignored, so a Canvas gradebook export with a folder
                    column added will do.  Read with libcsv (RFC 4180).

   Rows follow the roster; a roster student with no folder gets empty cells
   (an LMS leaves those grades alone), and so does a student whose grader
   failed; a folder the roster does not name comes last, under its folder
   name, and is reported.  Without a roster every row is a folder, as the
   Student and the SIS Login ID in Canvas and the Username in Moodle. */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grader.h"

/* The roster columns shmlab reads; FOLDER must be there. */
enum { FOLDER, STUDENT, ID, SIS_USER, SIS_LOGIN, SECTION, EMAIL, USERNAME, ID_NUMBER, NCOLS };
static const char *const column_name[NCOLS] = {
    "folder", "Student", "ID", "SIS User ID", "SIS Login ID", "Section",
    "Email address", "Username", "ID number",
};
#define MAX_COLUMNS 256

struct roster {
    char *(*rows)[NCOLS];       /* each row's cells, NULL where absent */
    int n, cap;
    bool has[NCOLS];            /* which columns the header names */
};

/* The parse in progress: libcsv calls field() per cell, record() per row. */
struct parse {
    struct roster *r;
    const char *path;
    int row, col;
    int map[MAX_COLUMNS];       /* file column -> enum, -1: ignored */
    char *cells[NCOLS];
    bool any;                   /* the row has a non-empty cell */
    char error[PATH_MAX + 200];
};

static void field(void *text, size_t len, void *data)
{
    struct parse *p = data;
    char *s = text ? strndup(text, len) : strdup("");
    if (s == NULL) {
        snprintf(p->error, sizeof p->error, "%s: out of memory", p->path);
        return;
    }
    if (p->row == 0) {
        /* A spreadsheet's UTF-8 byte order mark before the first name. */
        const char *name = p->col == 0 && strncmp(s, "\xef\xbb\xbf", 3) == 0 ? s + 3 : s;
        if (p->col < MAX_COLUMNS) {
            p->map[p->col] = -1;
            for (int c = 0; c < NCOLS; c++)
                if (strcasecmp(name, column_name[c]) == 0 && !p->r->has[c]) {
                    p->map[p->col] = c;
                    p->r->has[c] = true;
                }
        }
        free(s);
    } else if (p->col < MAX_COLUMNS && p->map[p->col] >= 0 && p->cells[p->map[p->col]] == NULL) {
        p->any |= s[0] != '\0';
        p->cells[p->map[p->col]] = s;
    } else {
        free(s);
    }
    p->col++;
}

static void record(int c, void *data)
{
    (void) c;
    struct parse *p = data;
    struct roster *r = p->r;
    if (p->error[0] == '\0' && p->row == 0 && !r->has[FOLDER]) {
        char among[40] = "";
        if (p->col > MAX_COLUMNS)
            snprintf(among, sizeof among, " among its first %d", MAX_COLUMNS);
        snprintf(p->error, sizeof p->error, "%s: the first row names no \"folder\" column%s (the student's"
                 " sub-folder of the class)", p->path, among);
    } else if (p->error[0] == '\0' && p->row > 0 && p->any) {
        const char *folder = p->cells[FOLDER];
        if (folder == NULL || folder[0] == '\0')
            snprintf(p->error, sizeof p->error, "%s: row %d has no folder", p->path, p->row + 1);
        for (int i = 0; p->error[0] == '\0' && i < r->n; i++)
            if (strcmp(r->rows[i][FOLDER], folder) == 0)
                snprintf(p->error, sizeof p->error, "%s: row %d: folder %s is also on an earlier row",
                         p->path, p->row + 1, folder);
        if (p->error[0] == '\0' && r->n == r->cap) {
            int cap = r->cap ? 2 * r->cap : 64;
            void *rows = realloc(r->rows, (size_t) cap * sizeof *r->rows);
            if (rows == NULL)
                snprintf(p->error, sizeof p->error, "%s: out of memory", p->path);
            else
                r->rows = rows, r->cap = cap;
        }
        if (p->error[0] == '\0') {
            memcpy(r->rows[r->n++], p->cells, sizeof p->cells);
            memset(p->cells, 0, sizeof p->cells);
        }
    }
    for (int i = 0; i < NCOLS; i++) {
        free(p->cells[i]);
        p->cells[i] = NULL;
    }
    p->row++;
    p->col = 0;
    p->any = false;
}

void roster_free(struct roster *r)
{
    if (r == NULL)
        return;
    for (int i = 0; i < r->n; i++)
        for (int c = 0; c < NCOLS; c++)
            free(r->rows[i][c]);
    free(r->rows);
    free(r);
}

struct roster *roster_read(const char *path)
{
    struct roster *r = calloc(1, sizeof *r);
    struct parse p = { .r = r, .path = path };
    struct csv_parser csv;
    FILE *f = fopen(path, "rb");
    if (r == NULL || f == NULL) {
        fprintf(stderr, "grader: roster %s: %s\n", path, strerror(r ? errno : ENOMEM));
        free(r);
        if (f)
            fclose(f);
        return NULL;
    }
    /* Strict: a stray quote is an error to report, not a guess. */
    csv_init(&csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    char buf[8192];
    size_t got;
    while (p.error[0] == '\0' && (got = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&csv, buf, got, field, record, &p) != got)
            snprintf(p.error, sizeof p.error, "%s: row %d: %s (a quote out of place?)", path, p.row + 1,
                     csv_strerror(csv_error(&csv)));
    if (p.error[0] == '\0' && csv_fini(&csv, field, record, &p) != 0)
        snprintf(p.error, sizeof p.error, "%s: row %d: %s (a quote left open?)", path, p.row + 1,
                 csv_strerror(csv_error(&csv)));
    if (p.error[0] == '\0' && p.row == 0)
        snprintf(p.error, sizeof p.error, "%s is empty", path);
    csv_free(&csv);
    fclose(f);
    for (int i = 0; i < NCOLS; i++)
        free(p.cells[i]);
    if (p.error[0]) {
        fprintf(stderr, "grader: roster %s\n", p.error);
        roster_free(r);
        return NULL;
    }
    return r;
}

/* The folder's roster row, or -1. */
static int roster_find(const struct roster *r, const char *folder)
{
    for (int i = 0; r && i < r->n; i++)
        if (strcmp(r->rows[i][FOLDER], folder) == 0)
            return i;
    return -1;
}

static const char *cell(const struct roster *r, int row, int col)
{
    return r && row >= 0 && r->rows[row][col] ? r->rows[row][col] : "";
}

/* One output row: who, and the grades (NULL: empty cells). */
struct lms_row {
    int roster;                 /* roster row, -1: a folder the roster lacks */
    const char *folder;         /* NULL: on the roster, no folder handed in */
    const int *scores;
};

static void scores_out(FILE *f, const struct lms_row *row, int nlabs)
{
    for (int l = 0; l < nlabs; l++)
        if (row->scores)
            fprintf(f, ",%d", row->scores[l]);
        else
            fputc(',', f);
    fputs("\r\n", f);
}

static void write_canvas(FILE *f, const struct roster *r, const struct lab *labs, int nlabs,
                         const struct lms_row *rows, int n)
{
    fputs("Student,ID,SIS User ID,SIS Login ID,Section", f);
    for (int l = 0; l < nlabs; l++) {
        fputc(',', f);
        csv_field(f, labs[l].slug);
    }
    fputs("\r\nPoints Possible,,,,", f);
    for (int l = 0; l < nlabs; l++) {
        int max = 0;
        for (int t = 0; t < labs[l].ntests; t++)
            max += labs[l].tests[t].points;
        fprintf(f, ",%d", max);
    }
    fputs("\r\n", f);
    for (int i = 0; i < n; i++) {
        const struct lms_row *w = &rows[i];
        bool named = w->roster >= 0;
        csv_field(f, named && cell(r, w->roster, STUDENT)[0] ? cell(r, w->roster, STUDENT) : w->folder ? w->folder : cell(r, w->roster, FOLDER));
        for (int c = ID; c <= SECTION; c++) {
            fputc(',', f);
            /* Unrostered: the folder is the best guess at a login. */
            csv_field(f, named ? cell(r, w->roster, c) : c == SIS_LOGIN ? w->folder : "");
        }
        scores_out(f, w, nlabs);
    }
}

static void write_moodle(FILE *f, const struct roster *r, const struct lab *labs, int nlabs,
                         const struct lms_row *rows, int n)
{
    int id = -1;
    for (int c = EMAIL; c <= ID_NUMBER && id < 0; c++)
        if (r && r->has[c])
            id = c;
    csv_field(f, column_name[id < 0 ? USERNAME : id]);
    for (int l = 0; l < nlabs; l++) {
        fputc(',', f);
        csv_field(f, labs[l].slug);
    }
    fputs("\r\n", f);
    for (int i = 0; i < n; i++) {
        const struct lms_row *w = &rows[i];
        csv_field(f, id >= 0 && w->roster >= 0 ? cell(r, w->roster, id) : w->folder ? w->folder : "");
        scores_out(f, w, nlabs);
    }
}

/* Write through a temporary file and rename, as every results file. */
static int write_file(const char *dir, const char *name,
                      void (*writer)(FILE *, const struct roster *, const struct lab *, int,
                                     const struct lms_row *, int),
                      const struct roster *r, const struct lab *labs, int nlabs,
                      const struct lms_row *rows, int n)
{
    char path[PATH_MAX + 32], tmp[PATH_MAX + 40];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = open_tmp(path, tmp, sizeof tmp);
    if (f == NULL)
        return -1;
    writer(f, r, labs, nlabs, rows, n);
    return close_and_rename(f, tmp, path);
}

int write_lms(const struct options *opt, const struct roster *r, const struct lab *labs, int nlabs,
              const struct class_row *graded, int n)
{
    int cap = n + (r ? r->n : 0);
    struct lms_row *rows = calloc((size_t) (cap ? cap : 1), sizeof *rows);
    if (rows == NULL)
        return -1;
    int k = 0, handed_in = 0, unrostered = 0;
    char lost[1024] = "";
    for (int i = 0; r && i < r->n; i++) {
        rows[k] = (struct lms_row) { .roster = i };
        for (int j = 0; j < n; j++)
            if (strcmp(graded[j].folder, r->rows[i][FOLDER]) == 0) {
                rows[k].folder = graded[j].folder;
                rows[k].scores = graded[j].ok ? graded[j].scores : NULL;
                handed_in++;
            }
        k++;
    }
    for (int j = 0; j < n; j++) {
        if (roster_find(r, graded[j].folder) >= 0)
            continue;
        rows[k++] = (struct lms_row) { .roster = -1, .folder = graded[j].folder,
                                       .scores = graded[j].ok ? graded[j].scores : NULL };
        if (r && unrostered++ < 5)
            snprintf(lost + strlen(lost), sizeof lost - strlen(lost), "%s%s", unrostered > 1 ? ", " : "",
                     graded[j].folder);
    }
    int rc = 0;
    if (write_file(opt->out, "canvas.csv", write_canvas, r, labs, nlabs, rows, k) == -1 ||
        write_file(opt->out, "moodle.csv", write_moodle, r, labs, nlabs, rows, k) == -1) {
        fprintf(stderr, "grader: cannot write %s/canvas.csv or moodle.csv: %s\n", opt->out, strerror(errno));
        rc = -1;
    }
    if (r && unrostered)
        fprintf(stderr, "grader: roster: %d folder%s not on the roster (%s%s): %s the folder name only\n",
                unrostered, unrostered == 1 ? " is" : "s are", lost, unrostered > 5 ? ", ..." : "",
                unrostered == 1 ? "its LMS row carries" : "their LMS rows carry");
    if (r && handed_in < r->n)
        fprintf(stderr, "grader: roster: %d student%s no folder: left empty in the LMS files\n",
                r->n - handed_in, r->n - handed_in == 1 ? " has" : "s have");
    free(rows);
    return rc;
}
