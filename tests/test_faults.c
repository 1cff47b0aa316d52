/* tests/test_faults: hostile input and failing disks as a learner meets them through bin/mnistlab.
 * Every case ends with exit status 1 and one line on stderr that names the file, line, key or item
 * at fault, and leaves the previous run's results in the output directory as they were: no file
 * replaced or cut short, no temp file. The previous run is a one-epoch softmax on 4-vs-9 (a fraction
 * of a second), made once for the suite; each case works on its own copy and compares it with the
 * original. Runs $MNISTLAB (bin/mnistlab) on real MNIST; cases that need it skip without. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "common/error.h"
#include "common/fileio.h"
#include "tests/test_util.h"

/* The previous run, and the same run with another seed asked to replace it (so that anything it
 * replaced would show). */
#define RUN_ARGS "train experiments/softmax.conf --set 'data.classes=4 9' " \
                 "--set 'data.subset=2000 500' --set data.validation=none --set train.epochs=1"
#define RERUN_ARGS RUN_ARGS " --set train.seed=2 --overwrite"

static char pristine[768];      /* the previous run's directory; "" when it could not be made */

/* ---- running the program ---- */

/* Run "ENV mnistlab ARGS", output into test_path("faults.out"/".err"); see test_run_program. */
static int run_cli(const char *env, const char *args, long file_limit)
{
    return test_run_program(env, args, file_limit, test_path("faults.out"), test_path("faults.err"));
}

/* The run ended with status 1 and exactly one line on stderr holding both fragments. */
static void assert_refused(int status, const char *a, const char *b)
{
    const char *err = test_slurp(test_path("faults.err"));
    const char *nl = strchr(err, '\n');
    int one_line = nl && nl[1] == '\0';
    int ok = status == 1 && one_line && strstr(err, a) && (!b || strstr(err, b));
    if (!ok)
        fprintf(stderr, "\n    exit status %d, stderr: %s", status, err);
    CU_ASSERT_EQUAL(status, 1);
    CU_ASSERT(one_line);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, a));
    if (b)
        CU_ASSERT_PTR_NOT_NULL(strstr(err, b));
}

/* ---- the previous run and its copies ---- */

static int make_previous_run(void)
{
    pristine[0] = '\0';
    if (!test_mnist_dir())
        return 0;                           /* the cases that need it skip */
    const char *dir = test_path("faults-previous-run");
    char args[2048];
    snprintf(args, sizeof args, RUN_ARGS " --out '%s'", dir);
    if (run_cli(NULL, args, 0) == 0)
        snprintf(pristine, sizeof pristine, "%s", dir);
    return 0;
}

static int have_previous_run(void)
{
    if (pristine[0])
        return 1;
    if (test_need_mnist())
        CU_FAIL("the shared previous run (" RUN_ARGS ") failed");
    return 0;
}

/* A copy of the previous run at path (which must not exist yet); 0 on success. */
static int copy_previous_run(const char *path)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp -a '%s' '%s'", pristine, path);
    return system(cmd) == 0 ? 0 : -1;
}

/* A fresh copy of the previous run named `name` in the test directory; its path (a buffer of its
 * own, so that the test_path() calls that follow cannot overwrite it). */
static const char *fresh_copy(const char *name)
{
    static char bufs[4][768];
    static int next;
    char *dir = bufs[next++ % 4];
    snprintf(dir, sizeof bufs[0], "%s", test_path(name));
    CU_ASSERT_EQUAL(copy_previous_run(dir), 0);
    return dir;
}

/* dir holds the same files with the same bytes as expected: nothing replaced, added or left half. */
static void assert_same_tree(const char *expected, const char *dir)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "diff -r '%s' '%s' >&2", expected, dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void assert_untouched(const char *dir)
{
    assert_same_tree(pristine, dir);
}

static void assert_same_file(const char *dir, const char *name)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cmp -s '%s/%s' '%s/%s'", pristine, name, dir, name);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void assert_no_temp_files(const char *dir)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q '\\.tmp\\.'", dir);
    CU_ASSERT_NOT_EQUAL(system(cmd), 0);
}

/* Run the previous run's command again, with extra arguments, into a fresh copy of its results;
 * the copy must come out untouched and the error hold both fragments. */
static void rerun_refused(const char *env, const char *extra, const char *a, const char *b)
{
    if (!have_previous_run())
        return;
    static int serial;
    char name[64];
    snprintf(name, sizeof name, "faults-case-%d", ++serial);
    const char *dir = fresh_copy(name);
    size_t len = strlen(extra) + strlen(dir) + sizeof RERUN_ARGS + 16;
    char *args = malloc(len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(args);
    snprintf(args, len, RERUN_ARGS " %s --out '%s'", extra, dir);
    assert_refused(run_cli(env, args, 0), a, b);
    free(args);
    assert_untouched(dir);
}

/* ---- settings out of range: refused before anything is read or written ---- */

static void test_faults_unknown_key_names_file_and_line(void)
{
    const char *conf = test_path("typo.conf");
    const char *text = "[model]\nfamily = softmax\n[train]\nlearning_rate = 0.1\n";
    CU_ASSERT_FATAL(test_write_file(conf, text, strlen(text)) == 0);
    if (!have_previous_run())
        return;
    char args[2048];
    const char *dir = fresh_copy("faults-typo");
    snprintf(args, sizeof args, "train '%s' --out '%s'", conf, dir);
    assert_refused(run_cli(NULL, args, 0), "typo.conf:4:", "unknown key \"learning_rate\"");
    assert_untouched(dir);
}

static void test_faults_batch_0_is_out_of_range(void)
{
    rerun_refused(NULL, "--set train.batch=0", "train.batch=0", "0 is out of range");
}

static void test_faults_epochs_minus_1_is_out_of_range(void)
{
    rerun_refused(NULL, "--set train.epochs=-1", "train.epochs=-1", "-1 is out of range");
}

static void test_faults_lr_nan_is_not_finite(void)
{
    rerun_refused(NULL, "--set train.lr=nan", "train.lr=nan", "not a finite number");
}

static void test_faults_lr_1e400_is_not_finite(void)
{
    rerun_refused(NULL, "--set train.lr=1e400", "train.lr=1e400", "not a finite number");
}

static void test_faults_class_listed_twice(void)
{
    rerun_refused(NULL, "--set 'data.classes=4 4'", "data.classes=4 4", "class 4 is listed twice");
}

static void test_faults_class_11_does_not_exist(void)
{
    rerun_refused(NULL, "--set 'data.classes=4 11'", "data.classes=4 11", "11 is out of range");
}

static void test_faults_single_class_11_is_not_a_class_list(void)
{
    rerun_refused(NULL, "--set data.classes=11", "data.classes=11", "give 2 to 10 distinct classes");
}

static void test_faults_hidden_width_0(void)
{
    rerun_refused(NULL, "--set model.family=mlp --set 'model.hidden=64 0'", "model.hidden=64 0",
                  "0 is out of range");
}

static void test_faults_conv_kernel_larger_than_its_input(void)
{
    rerun_refused(NULL, "--set model.family=cnn --set 'model.layers=conv 4 30, dense 1'",
                  "layer 1 \"conv 4 30\"", "kernel 30x30 is larger than its padded input 28x28");
}

/* "relu, relu, ..., relu, dense 1" with n items in all. */
static char *layer_list(int n)
{
    char *s = malloc((size_t)n * 6 + 16);
    if (!s)
        return NULL;
    s[0] = '\0';
    size_t k = 0;
    for (int i = 1; i < n; i++)
        k += (size_t)sprintf(s + k, "relu, ");
    sprintf(s + k, "dense 1");
    return s;
}

static void test_faults_10000_layers_on_the_command_line(void)
{
    char *layers = layer_list(10000), *extra = malloc(70000);
    CU_ASSERT_FATAL(layers && extra);
    snprintf(extra, 70000, "--set model.family=cnn --set 'model.layers=%s'", layers);
    rerun_refused(NULL, extra, "--set model.layers=...", "more than the 2047 allowed");
    free(layers);
    free(extra);
}

static void test_faults_10000_layers_on_continuation_lines(void)
{
    /* inih reads 199 characters a line: a long spec goes on indented lines, 25 layers each */
    char *text = malloc(80000);
    CU_ASSERT_FATAL(text != NULL);
    size_t k = (size_t)sprintf(text, "[data]\nclasses = 4 9\n[model]\nfamily = cnn\nhead = sigmoid\n"
                                     "layers = relu");
    for (int line = 0; line < 400; line++) {
        k += (size_t)sprintf(text + k, "\n   ");
        for (int i = 0; i < 25; i++)
            k += (size_t)sprintf(text + k, ", relu");
    }
    sprintf(text + k, ", dense 1\n");
    const char *conf = test_path("deep.conf");
    CU_ASSERT_FATAL(test_write_file(conf, text, strlen(text)) == 0);
    free(text);
    if (!have_previous_run())
        return;
    const char *dir = fresh_copy("faults-deep");
    char args[2048];
    snprintf(args, sizeof args, "train '%s' --out '%s'", conf, dir);
    /* "relu" on line 6, then 151 characters a line (a blank joins them): line 20 is the first
     * that would take the value past 2047 */
    assert_refused(run_cli(NULL, args, 0), "deep.conf:20: model.layers",
                   "longer than the 2047 characters allowed");
    assert_untouched(dir);
}

static void test_faults_65_layers_exceed_the_cap(void)
{
    char *layers = layer_list(65), extra[1024];
    CU_ASSERT_FATAL(layers != NULL);
    snprintf(extra, sizeof extra, "--set model.family=cnn --set 'model.layers=%s'", layers);
    rerun_refused(NULL, extra, "layer 65 \"dense 1\"", "more than 64 layers");
    free(layers);
}

/* ---- data files: missing, unreadable, lying headers ---- */

static const char *const mnist_files[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

/* path made absolute (against the working directory), into out. */
static int absolute(const char *path, char *out, size_t n)
{
    char cwd[1024];
    if (path[0] == '/')
        return snprintf(out, n, "%s", path) < (int)n ? 0 : -1;
    return getcwd(cwd, sizeof cwd) && snprintf(out, n, "%s/%s", cwd, path) < (int)n ? 0 : -1;
}

/* How data directory `dir` gets MNIST file i: a link to the real file, or the doctored version. */
static int place_data_file(const char *dir, const char *src, int i, const char *doctored,
                           const void *bytes, size_t len, int mkdir_instead)
{
    char from[2400], to[2400];
    if (strcmp(mnist_files[i], doctored) == 0) {
        snprintf(to, sizeof to, "%s/%s", dir, mnist_files[i]);
        return mkdir_instead ? mkdir(to, 0777) : bytes ? test_write_file(to, bytes, len) : 0;
    }
    snprintf(from, sizeof from, "%s/%s", src, mnist_files[i]);
    const char *gz = access(from, R_OK) == 0 ? "" : ".gz";
    snprintf(from, sizeof from, "%s/%s%s", src, mnist_files[i], gz);
    snprintf(to, sizeof to, "%s/%s%s", dir, mnist_files[i], gz);
    return symlink(from, to);
}

/* A data directory `name` of links to the real MNIST files, except `doctored`, which is left out
 * (bytes NULL, mkdir_instead 0), made a directory (mkdir_instead 1), or written with the bytes. */
static const char *data_dir_with(const char *name, const char *doctored, const void *bytes,
                                 size_t len, int mkdir_instead)
{
    static char dir[768];
    char src[1200];       /* absolute, as the links are resolved from inside dir */
    snprintf(dir, sizeof dir, "%s", test_path(name));
    if (!test_mnist_dir() || absolute(test_mnist_dir(), src, sizeof src) || mkdir(dir, 0777) != 0)
        return NULL;
    for (int i = 0; i < 4; i++)
        if (place_data_file(dir, src, i, doctored, bytes, len, mkdir_instead) != 0)
            return NULL;
    return dir;
}

static void rerun_with_data(const char *data_dir, const char *a, const char *b)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(data_dir);
    char env[1100];
    snprintf(env, sizeof env, "MNIST_DIR='%s'", data_dir);
    rerun_refused(env, "", a, b);
}

/* An IDX image header: 00 00 08 03, then three big-endian dimensions. */
static void image_header(unsigned char h[16], uint32_t n, uint32_t rows, uint32_t cols)
{
    const uint32_t dims[3] = {n, rows, cols};
    h[0] = h[1] = 0, h[2] = 8, h[3] = 3;
    for (int d = 0; d < 3; d++)
        for (int i = 0; i < 4; i++)
            h[4 + 4 * d + i] = (unsigned char)(dims[d] >> (24 - 8 * i));
}

static void test_faults_missing_data_file_is_named(void)
{
    if (!have_previous_run())
        return;
    const char *data = data_dir_with("data-missing", "t10k-labels-idx1-ubyte", NULL, 0, 0);
    rerun_with_data(data, "t10k-labels-idx1-ubyte: no such file", "make data");
}

static void test_faults_data_file_that_is_a_directory_is_named(void)
{
    if (!have_previous_run())
        return;
    const char *data = data_dir_with("data-dir", "train-images-idx3-ubyte", NULL, 0, 1);
    rerun_with_data(data, "train-images-idx3-ubyte: is a directory, not a regular file", NULL);
}

static void test_faults_data_dir_under_a_regular_file_is_named(void)
{
    if (!have_previous_run())
        return;
    const char *file = test_path("not-a-dir");
    CU_ASSERT_FATAL(test_write_file(file, "x", 1) == 0);
    char data[1024];
    snprintf(data, sizeof data, "%s/mnist", file);
    rerun_with_data(data, "not-a-dir/mnist/train-images-idx3-ubyte: no such file", NULL);
}

static void test_faults_idx_dimensions_whose_product_overflows(void)
{
    if (!have_previous_run())
        return;
    unsigned char h[16];
    image_header(h, 0xffffffffu, 0xffffffffu, 0xffffffffu);
    const char *data = data_dir_with("data-overflow", "train-images-idx3-ubyte", h, sizeof h, 0);
    rerun_with_data(data, "train-images-idx3-ubyte: dimensions 4294967295x4294967295x4294967295",
                    "product overflows");
}

static void test_faults_idx_image_count_in_the_billions(void)
{
    if (!have_previous_run())
        return;
    unsigned char h[16];
    image_header(h, 3000000000u, 28, 28);
    const char *data = data_dir_with("data-billions", "train-images-idx3-ubyte", h, sizeof h, 0);
    rerun_with_data(data, "train-images-idx3-ubyte: header says 3000000000 items",
                    "more than the 10000000 allowed");
}

static void test_faults_idx_header_claiming_more_than_the_file(void)
{
    if (!have_previous_run())
        return;
    unsigned char file[16 + 28 * 28];
    memset(file, 0, sizeof file);
    image_header(file, 60000, 28, 28);
    const char *data = data_dir_with("data-short", "train-images-idx3-ubyte", file, sizeof file, 0);
    rerun_with_data(data, "train-images-idx3-ubyte: truncated: header says 60000x28x28",
                    "file has 800 bytes");
}

static void test_faults_corrupt_gzip_data_file_is_named(void)
{
    if (!have_previous_run())
        return;
    /* a gzip member header, then bytes that are no deflate stream */
    static const unsigned char gz[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0};
    const char *data = data_dir_with("data-gzip", "t10k-images-idx3-ubyte", gz, sizeof gz, 0);
    rerun_with_data(data, "t10k-images-idx3-ubyte: corrupt gzip stream", NULL);
}

/* ---- checkpoints and pictures that lie ---- */

static unsigned char *read_whole(const char *path, size_t *len)
{
    unsigned char *buf;
    return file_read_all(path, (size_t)1 << 26, &buf, len) == MNL_OK ? buf : NULL;
}

static uint64_t le(const unsigned char *p, int bytes)
{
    uint64_t x = 0;
    for (int i = 0; i < bytes; i++)
        x |= (uint64_t)p[i] << (8 * i);
    return x;
}

/* Where the first tensor's value count (u64) sits in a checkpoint (format in checkpoint.h). */
static size_t first_tensor_count_offset(const unsigned char *b)
{
    size_t at = 12;
    at += 4 + le(b + at, 4);           /* config text */
    at += 4;                           /* epoch */
    at += 4 + le(b + at, 4);           /* run state */
    at += 4;                           /* tensor count */
    at += 2 + le(b + at, 2);           /* name */
    return at + 4 + 4 * le(b + at, 4); /* rank, dims */
}

static void fix_crc(unsigned char *b, size_t len)
{
    uLong crc = crc32(crc32(0L, Z_NULL, 0), b, (uInt)(len - 4));
    for (int i = 0; i < 4; i++)
        b[len - 4 + i] = (unsigned char)(crc >> (8 * i));
}

/* Make the first tensor (dense1.weight) claim 2^20 x 2^20 values, with a CRC to match. */
static void claim_huge_first_tensor(unsigned char *b, size_t len)
{
    size_t at = first_tensor_count_offset(b);
    for (int i = 0; i < 4; i++) {               /* rank 2: the two dims just before the count */
        b[at - 8 + i] = (unsigned char)((1u << 20) >> (8 * i));
        b[at - 4 + i] = (unsigned char)((1u << 20) >> (8 * i));
    }
    for (int i = 0; i < 8; i++)
        b[at + i] = (unsigned char)((UINT64_C(1) << 40) >> (8 * i));
    fix_crc(b, len);
}

/* A copy of the previous run with its model.ckpt damaged, refused by predict and by --resume,
 * each leaving the copy (damaged checkpoint included) as it was. */
static void damaged_checkpoint_refused(int claim_huge_tensor, const char *a, const char *b)
{
    if (!have_previous_run())
        return;
    const char *name = claim_huge_tensor ? "ckpt-huge" : "ckpt-flip";
    char dir[768], expected[800], path[900], args[2048];
    snprintf(dir, sizeof dir, "%s", fresh_copy(name));
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
    size_t len;
    unsigned char *bytes = read_whole(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    if (claim_huge_tensor)
        claim_huge_first_tensor(bytes, len);
    else
        bytes[len / 2] ^= 0x40;
    CU_ASSERT_EQUAL(test_write_file(path, bytes, len), 0);
    free(bytes);
    snprintf(expected, sizeof expected, "%s.expected", dir);
    snprintf(args, sizeof args, "cp -a '%s' '%s'", dir, expected);
    CU_ASSERT_EQUAL_FATAL(system(args), 0);

    snprintf(args, sizeof args, "predict '%s' --index 3", path);
    assert_refused(run_cli(NULL, args, 0), a, b);
    assert_same_tree(expected, dir);
    snprintf(args, sizeof args, RERUN_ARGS " --resume --out '%s'", dir);
    assert_refused(run_cli(NULL, args, 0), a, b);
    assert_same_tree(expected, dir);
}

static void test_faults_checkpoint_with_a_flipped_byte(void)
{
    damaged_checkpoint_refused(0, "model.ckpt: CRC mismatch", "damaged");
}

static void test_faults_checkpoint_claiming_a_tensor_larger_than_the_file(void)
{
    damaged_checkpoint_refused(1, "model.ckpt: tensor 'dense1.weight' claims 1099511627776 values",
                               "bytes remain");
}

/* A PNG chunk of `len` data bytes at out, with its CRC; returns its size. */
static size_t png_chunk(unsigned char *out, const char *type, const unsigned char *data, uint32_t len)
{
    for (int i = 0; i < 4; i++)
        out[i] = (unsigned char)(len >> (24 - 8 * i));
    memcpy(out + 4, type, 4);
    if (len)
        memcpy(out + 8, data, len);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), out + 4, 4 + len);
    for (int i = 0; i < 4; i++)
        out[8 + len + i] = (unsigned char)(crc >> (24 - 8 * i));
    return 12 + len;
}

/* A PNG whose header declares w x h 8-bit gray pixels, followed by an empty IDAT chunk (libpng
 * reads the header up to the first IDAT): no pixel data at all. */
static size_t png_declaring(unsigned char *out, uint32_t w, uint32_t h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char ihdr[13] = {0};
    for (int i = 0; i < 4; i++) {
        ihdr[i] = (unsigned char)(w >> (24 - 8 * i));
        ihdr[4 + i] = (unsigned char)(h >> (24 - 8 * i));
    }
    ihdr[8] = 8;                      /* bit depth; colour type 0 (gray), no interlace */
    memcpy(out, sig, 8);
    size_t len = 8 + png_chunk(out + 8, "IHDR", ihdr, sizeof ihdr);
    return len + png_chunk(out + len, "IDAT", NULL, 0);
}

static void predict_image_refused(const char *file, const void *bytes, size_t len, const char *a,
                                  const char *b)
{
    if (!have_previous_run())
        return;
    const char *image = test_path(file);
    CU_ASSERT_FATAL(test_write_file(image, bytes, len) == 0);
    char name[128], args[2048];
    snprintf(name, sizeof name, "predict-%s", file);
    const char *dir = fresh_copy(name);
    snprintf(args, sizeof args, "predict '%s/model.ckpt' --image '%s'", dir, image);
    assert_refused(run_cli(NULL, args, 0), a, b);
    assert_untouched(dir);
}

static void test_faults_png_declaring_100000x100000_pixels(void)
{
    unsigned char png[64];
    size_t len = png_declaring(png, 100000, 100000);
    predict_image_refused("huge.png", png, len, "huge.png: 100000x100000 pixels",
                          "larger than allowed");
}

static void test_faults_png_cut_after_its_header(void)
{
    unsigned char png[64];
    size_t len = png_declaring(png, 28, 28);
    predict_image_refused("cut.png", png, len, "cut.png: not a valid PNG", NULL);
}

/* ---- results that cannot be written ---- */

/* Mount a tmpfs of `size` at dir (root only); 0 when mounted. */
static int mount_tmpfs(const char *dir, const char *size)
{
    char cmd[1024];
    if (mkdir(dir, 0777) != 0)
        return -1;
    snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=%s tmpfs '%s' 2>/dev/null", size, dir);
    if (getuid() == 0 && system(cmd) == 0)
        return 0;
    test_skip(getuid() == 0 ? "mount -t tmpfs failed" : "mounting a tmpfs needs root");
    return -1;
}

static void unmount(const char *dir)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "umount '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_faults_read_only_results_dir_is_refused_before_training(void)
{
    if (!have_previous_run())
        return;
    char mnt[768], dir[800], cmd[2048], args[2048];
    snprintf(mnt, sizeof mnt, "%s", test_path("ro-mount"));
    if (mount_tmpfs(mnt, "1m") != 0)
        return;
    snprintf(dir, sizeof dir, "%s/run", mnt);
    snprintf(cmd, sizeof cmd, "mount -o remount,ro '%s'", mnt);
    if (copy_previous_run(dir) == 0 && system(cmd) == 0) {
        snprintf(args, sizeof args, RERUN_ARGS " --out '%s'", dir);
        assert_refused(run_cli(NULL, args, 0), "run/model.ckpt: cannot write",
                       "Read-only file system");
        CU_ASSERT_PTR_NULL(strstr(test_slurp(test_path("faults.out")), "epoch   1/1"));  /* no training */
        assert_untouched(dir);
    } else {
        CU_FAIL("could not prepare the read-only copy");
    }
    unmount(mnt);
}

static void test_faults_full_disk_while_writing_the_checkpoint(void)
{
    if (!have_previous_run())
        return;
    char mnt[768], dir[800], cmd[2048], args[2048];
    snprintf(mnt, sizeof mnt, "%s", test_path("full-mount"));
    if (mount_tmpfs(mnt, "512k") != 0)
        return;
    snprintf(dir, sizeof dir, "%s/run", mnt);
    /* fill the disk, then free 8 KiB: room for the probe, not for the ~17 KiB checkpoint */
    snprintf(cmd, sizeof cmd, "dd if=/dev/zero of='%s/filler' bs=4096 2>/dev/null; "
             "truncate -s -8192 '%s/filler'", mnt, mnt);
    if (copy_previous_run(dir) == 0 && system(cmd) == 0) {
        snprintf(args, sizeof args, RERUN_ARGS " --out '%s'", dir);
        assert_refused(run_cli(NULL, args, 0), "run/model.ckpt: cannot write",
                       "No space left on device");
        assert_untouched(dir);
    } else {
        CU_FAIL("could not prepare the full disk");
    }
    unmount(mnt);
}

/* The checkpoint (about 17 KB) is larger than the limit: the very first write of the run fails. */
static void test_faults_file_size_limit_hit_by_the_checkpoint(void)
{
    if (!have_previous_run())
        return;
    const char *dir = fresh_copy("fsize-ckpt");
    char args[2048];
    snprintf(args, sizeof args, RERUN_ARGS " --out '%s'", dir);
    assert_refused(run_cli(NULL, args, 10000), "fsize-ckpt/model.ckpt: cannot write",
                   "File too large");
    assert_untouched(dir);
}

/* The checkpoint fits the limit, curves.png (about 30 KB) does not: gnuplot is stopped, and the
 * plot stays the previous run's. The epoch's checkpoint and metrics, saved before, are this run's. */
static void test_faults_file_size_limit_hit_by_a_plot(void)
{
    if (!have_previous_run())
        return;
    const char *dir = fresh_copy("fsize-png");
    char args[2048];
    snprintf(args, sizeof args, RERUN_ARGS " --out '%s'", dir);
    assert_refused(run_cli(NULL, args, 20000), "fsize-png/curves.png: gnuplot curves was killed",
                   "File size limit exceeded");
    assert_same_file(dir, "curves.png");
    assert_same_file(dir, "samples.png");
    assert_same_file(dir, "confusion.png");
    assert_no_temp_files(dir);
}

/* ---- the atomic writer itself ---- */

/* A write error whose errno was overwritten since (the stream's error flag is all that is left)
 * must still fail the commit, or the cut file would be renamed over the good one. */
static void test_faults_atomic_commit_refuses_a_stream_that_failed_earlier(void)
{
    const char *path = test_path("atomic-keep.txt");
    CU_ASSERT_FATAL(atomic_write_file(path, "previous\n", 9) == MNL_OK);
    AtomicFile a;
    CU_ASSERT_FATAL(atomic_open(&a, path) == MNL_OK);
    fputs("half", a.f);
    (void)fgetc(a.f);                 /* reading a write-only stream sets its error flag */
    CU_ASSERT(ferror(a.f));
    errno = 0;
    CU_ASSERT_EQUAL(atomic_commit(&a), MNL_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "atomic-keep.txt"));
    CU_ASSERT_STRING_EQUAL(test_slurp(path), "previous\n");
    CU_ASSERT_FALSE(file_exists(a.tmp));
}

int register_faults_tests(void)
{
    CU_pSuite s = CU_add_suite("faults", make_previous_run, NULL);
    if (!s)
        return -1;
    struct { const char *name; CU_TestFunc fn; } tests[] = {
#define T(name) {#name, test_##name}
        T(faults_unknown_key_names_file_and_line),
        T(faults_batch_0_is_out_of_range),
        T(faults_epochs_minus_1_is_out_of_range),
        T(faults_lr_nan_is_not_finite),
        T(faults_lr_1e400_is_not_finite),
        T(faults_class_listed_twice),
        T(faults_class_11_does_not_exist),
        T(faults_single_class_11_is_not_a_class_list),
        T(faults_hidden_width_0),
        T(faults_conv_kernel_larger_than_its_input),
        T(faults_10000_layers_on_the_command_line),
        T(faults_10000_layers_on_continuation_lines),
        T(faults_65_layers_exceed_the_cap),
        T(faults_missing_data_file_is_named),
        T(faults_data_file_that_is_a_directory_is_named),
        T(faults_data_dir_under_a_regular_file_is_named),
        T(faults_idx_dimensions_whose_product_overflows),
        T(faults_idx_image_count_in_the_billions),
        T(faults_idx_header_claiming_more_than_the_file),
        T(faults_corrupt_gzip_data_file_is_named),
        T(faults_checkpoint_with_a_flipped_byte),
        T(faults_checkpoint_claiming_a_tensor_larger_than_the_file),
        T(faults_png_declaring_100000x100000_pixels),
        T(faults_png_cut_after_its_header),
        T(faults_read_only_results_dir_is_refused_before_training),
        T(faults_full_disk_while_writing_the_checkpoint),
        T(faults_file_size_limit_hit_by_the_checkpoint),
        T(faults_file_size_limit_hit_by_a_plot),
        T(faults_atomic_commit_refuses_a_stream_that_failed_earlier),
#undef T
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
