/* common/idx: IDX reading (raw or gzip, every header field checked before anything is allocated
 * from it) and atomic IDX writing. The format: bytes 00 00 TYPE RANK, then RANK big-endian uint32
 * dimensions, then the elements row-major. */
#include "common/idx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "common/error.h"
#include "common/fileio.h"

#define IDX_TYPE_UBYTE 0x08
#define GZ_CHUNK_START (1u << 20)   /* first gzip read buffer; doubles up to the claimed size */
#define DIMS_STR_LEN 96             /* "60000x28x28" and worse */

/* Where the bytes come from: a raw file whose real size is known up front, or a gzip stream
 * whose decompressed size is only known once it has been read to the end. */
typedef struct {
    const char *path;
    FILE *f;            /* raw source, or NULL */
    gzFile gz;          /* gzip source, or NULL */
    long long size;     /* raw: the file's size in bytes; gzip: -1 */
    int gz_cut;         /* gzip: the compressed stream stopped before its end (a cut download) */
} Source;

static int src_open(Source *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    s->size = -1;
    FILE *f;
    long long size;
    int rc = file_open_regular(path, &f, &size);
    if (rc)
        return rc;
    unsigned char magic[2] = {0, 0};
    size_t got = fread(magic, 1, 2, f);
    if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        /* Recognised by content, not by name: a .gz that was already unpacked still reads. The
         * descriptor checked to be a regular file is the one read (not the name opened again). */
        int fd = dup(fileno(f));
        fclose(f);
        if (fd < 0 || lseek(fd, 0, SEEK_SET) != 0 || !(s->gz = gzdopen(fd, "rb"))) {
            int e = errno ? errno : ENOMEM;
            if (fd >= 0)
                close(fd);
            return mnl_fail(MNL_ERR_IO, "%s: cannot open: %s", path, strerror(e));
        }
        gzbuffer(s->gz, 1u << 17);
        return MNL_OK;
    }
    rewind(f);
    s->f = f;
    s->size = size;
    return MNL_OK;
}

static void src_close(Source *s)
{
    if (s->f)
        fclose(s->f);
    if (s->gz)
        gzclose(s->gz);
    s->f = NULL;
    s->gz = NULL;
}

/* Look at zlib's state after a read: a cut stream is only "truncated" (remembered in gz_cut);
 * bad data or a bad CRC is MNL_ERR_IDX_GZIP. */
static int gz_status(Source *s)
{
    int errnum = Z_OK;
    const char *msg = gzerror(s->gz, &errnum);
    if (errnum == Z_OK)
        return MNL_OK;
    if (errnum == Z_BUF_ERROR) {
        s->gz_cut = 1;
        return MNL_OK;
    }
    if (errnum == Z_ERRNO)
        return mnl_fail(MNL_ERR_IO, "%s: read error: %s", s->path, strerror(errno));
    size_t plen = strlen(s->path);   /* zlib's message repeats the path; keep only its reason */
    if (strncmp(msg, s->path, plen) == 0 && strncmp(msg + plen, ": ", 2) == 0)
        msg += plen + 2;
    return mnl_fail(MNL_ERR_IDX_GZIP, "%s: corrupt gzip stream: %s", s->path, msg);
}

/* Read up to len bytes; *got < len means the data ended. */
static int src_read(Source *s, void *buf, size_t len, size_t *got)
{
    *got = 0;
    if (s->f) {
        *got = fread(buf, 1, len, s->f);
        if (ferror(s->f))
            return mnl_fail(MNL_ERR_IO, "%s: read error: %s", s->path, strerror(errno));
        return MNL_OK;
    }
    unsigned char *p = buf;
    while (*got < len) {
        size_t want = len - *got;
        unsigned ask = want > (1u << 30) ? (1u << 30) : (unsigned)want;
        int n = gzread(s->gz, p + *got, ask);
        if (n > 0)
            *got += (size_t)n;
        int rc = gz_status(s);
        if (rc)
            return rc;
        if (n <= 0 || (unsigned)n < ask)
            break;
    }
    return MNL_OK;
}

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static void put_be32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

/* "60000x28x28" */
static const char *dims_str(char *buf, size_t size, const uint32_t *dims, int rank)
{
    int at = 0;
    buf[0] = '\0';
    for (int i = 0; i < rank && at >= 0 && (size_t)at < size; i++)
        at += snprintf(buf + at, size - (size_t)at, i ? "x%lu" : "%lu", (unsigned long)dims[i]);
    return buf;
}

/* a * b, or 0 when it does not fit 64 bits. */
static int mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a != 0 && b > UINT64_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

/* The header's promise in bytes, refused when it overflows or passes the caps in idx.h. */
static int check_dims(const char *path, const uint32_t *dims, int rank, uint64_t *bytes)
{
    char ds[96];
    uint64_t prod = 1;
    for (int i = 0; i < rank; i++)
        if (!mul_u64(prod, dims[i], &prod))
            return mnl_fail(MNL_ERR_IDX_OVERFLOW, "%s: dimensions %s: their product overflows 64 bits",
                            path, dims_str(ds, sizeof ds, dims, rank));
    if (dims[0] > IDX_MAX_ITEMS)
        return mnl_fail(MNL_ERR_IDX_OVERFLOW, "%s: header says %lu items, more than the %ld allowed",
                        path, (unsigned long)dims[0], IDX_MAX_ITEMS);
    for (int i = 1; i < rank; i++)
        if (dims[i] < 1 || dims[i] > IDX_MAX_SIDE)
            return mnl_fail(MNL_ERR_IDX_OVERFLOW, "%s: dimensions %s: image side %lu outside 1..%ld",
                            path, dims_str(ds, sizeof ds, dims, rank), (unsigned long)dims[i],
                            IDX_MAX_SIDE);
    if (prod > (uint64_t)IDX_MAX_BYTES)
        return mnl_fail(MNL_ERR_IDX_OVERFLOW, "%s: dimensions %s = %llu bytes, more than the %ld allowed",
                        path, dims_str(ds, sizeof ds, dims, rank), (unsigned long long)prod,
                        IDX_MAX_BYTES);
    *bytes = prod;
    return MNL_OK;
}

static const char *rank_what(int rank) { return rank == 3 ? "images" : "labels"; }

/* Magic, type, rank and the dimensions; leaves the source at the first element. */
static int read_header(Source *s, int rank, uint32_t *dims)
{
    unsigned char h[4 + 4 * 3];
    size_t got;
    int rc = src_read(s, h, 4, &got);
    if (rc)
        return rc;
    if (got < 4)
        return mnl_fail(MNL_ERR_IDX_TRUNCATED, "%s: truncated: %zu bytes, an IDX header needs at least 4",
                        s->path, got);
    if (h[0] != 0 || h[1] != 0)
        return mnl_fail(MNL_ERR_IDX_MAGIC, "%s: bad magic: expected 00 00 08 %02x, found %02x %02x %02x %02x",
                        s->path, rank, h[0], h[1], h[2], h[3]);
    if (h[2] != IDX_TYPE_UBYTE)
        return mnl_fail(MNL_ERR_IDX_TYPE, "%s: element type 0x%02x, expected 0x08 (unsigned byte)",
                        s->path, h[2]);
    if (h[3] != rank)
        return mnl_fail(MNL_ERR_IDX_RANK, "%s: rank %d, expected %d (%s)", s->path, h[3], rank,
                        rank_what(rank));
    rc = src_read(s, h + 4, 4 * (size_t)rank, &got);
    if (rc)
        return rc;
    if (got < 4 * (size_t)rank)
        return mnl_fail(MNL_ERR_IDX_TRUNCATED, "%s: truncated: a rank-%d header needs %d bytes, found %zu",
                        s->path, rank, 4 + 4 * rank, 4 + got);
    for (int i = 0; i < rank; i++)
        dims[i] = be32(h + 4 + 4 * i);
    return MNL_OK;
}

static int body_short(const Source *s, const char *ds, uint64_t want, uint64_t have)
{
    if (s->gz)
        return mnl_fail(MNL_ERR_IDX_TRUNCATED,
                        "%s: truncated: header says %s = %llu bytes, gzip stream holds %llu bytes%s",
                        s->path, ds, (unsigned long long)want, (unsigned long long)have,
                        s->gz_cut ? " (compressed stream ends early)" : "");
    return mnl_fail(MNL_ERR_IDX_TRUNCATED, "%s: truncated: header says %s = %llu bytes, file has %llu bytes",
                    s->path, ds, (unsigned long long)want, (unsigned long long)have);
}

static int body_long(const Source *s, const char *ds, uint64_t want, const char *have)
{
    return mnl_fail(MNL_ERR_IDX_TRUNCATED,
                    "%s: size mismatch: header says %s = %llu bytes, %s (the header's dimensions are wrong)",
                    s->path, ds, (unsigned long long)want, have);
}

/* Raw: the size on disk must be exactly the header's promise, checked before anything is read or
 * allocated. */
static int check_raw_size(const Source *s, const char *ds, size_t hdr, size_t bytes)
{
    uint64_t want = (uint64_t)hdr + bytes;
    if ((uint64_t)s->size < want)
        return body_short(s, ds, want, (uint64_t)s->size);
    if ((uint64_t)s->size > want) {
        char have[64];
        snprintf(have, sizeof have, "file has %lld bytes", s->size);
        return body_long(s, ds, want, have);
    }
    return MNL_OK;
}

/* len bytes at offset off of a raw file into buf; the file ending first means it shrank since its
 * size was checked. */
static int pread_all(const char *path, FILE *f, uint8_t *buf, size_t len, uint64_t off)
{
    int fd = fileno(f);
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return mnl_fail(MNL_ERR_IO, "%s: read error: %s", path, strerror(errno));
        if (n == 0)
            return mnl_fail(MNL_ERR_IDX_TRUNCATED, "%s: truncated: the file ends at byte %llu, before "
                            "the %llu its header promised (it shrank while being read)", path,
                            (unsigned long long)(off + done), (unsigned long long)(off + len));
        done += (size_t)n;
    }
    return MNL_OK;
}

static int read_body_raw(Source *s, size_t hdr, size_t bytes, uint8_t **data)
{
    uint8_t *buf = malloc(bytes ? bytes : 1);
    if (!buf)
        return mnl_fail(MNL_ERR_NOMEM, "%s: cannot allocate %zu bytes", s->path, bytes);
    int rc = pread_all(s->path, s->f, buf, bytes, hdr);
    if (rc) {
        free(buf);
        return rc;
    }
    *data = buf;
    return MNL_OK;
}

/* Gzip: the real size is unknown, so the buffer grows with what actually arrives and a lying
 * header costs at most twice the data the stream really holds. */
static int read_body_gz(Source *s, const char *ds, size_t hdr, size_t bytes, uint8_t **data)
{
    size_t cap = bytes < GZ_CHUNK_START ? bytes : GZ_CHUNK_START, have = 0;
    uint8_t *buf = malloc(cap ? cap : 1);
    if (!buf)
        return mnl_fail(MNL_ERR_NOMEM, "%s: cannot allocate %zu bytes", s->path, cap);
    int rc = MNL_OK;
    while (have < bytes) {
        if (have == cap) {
            size_t ncap = cap > bytes / 2 ? bytes : 2 * cap;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                rc = mnl_fail(MNL_ERR_NOMEM, "%s: cannot allocate %zu bytes", s->path, ncap);
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t ask = cap - have, got;
        rc = src_read(s, buf + have, ask, &got);
        have += got;
        if (rc || got < ask)   /* the stream ended (or failed) before filling the buffer */
            break;
    }
    if (!rc && have < bytes)
        rc = body_short(s, ds, (uint64_t)hdr + bytes, (uint64_t)hdr + have);
    if (!rc) {
        /* One byte more: trailing data, or the CRC check that zlib makes at the stream's end. */
        unsigned char extra;
        size_t got;
        rc = src_read(s, &extra, 1, &got);
        if (!rc && got)
            rc = body_long(s, ds, (uint64_t)hdr + bytes, "gzip stream holds more");
        else if (!rc && s->gz_cut)
            rc = mnl_fail(MNL_ERR_IDX_TRUNCATED, "%s: truncated: gzip stream ends before its checksum",
                          s->path);
    }
    if (rc) {
        free(buf);
        return rc;
    }
    *data = buf;
    return MNL_OK;
}

/* Open and check the header and, for a raw file, its size. dims: [rank]; *hdr: the header's
 * length; *bytes: the elements' (the header's promise); ds: the dimensions as text, for messages.
 * On success the source is open. */
static int open_idx(const char *path, int rank, Source *s, uint32_t *dims, size_t *hdr,
                    size_t *bytes, char ds[DIMS_STR_LEN])
{
    if (!path)
        return mnl_fail(MNL_ERR_ARG, "IDX read: no path given");
    int rc = src_open(s, path);
    if (rc)
        return rc;
    uint64_t b = 0;
    rc = read_header(s, rank, dims);
    if (!rc)
        rc = check_dims(path, dims, rank, &b);
    if (!rc) {
        dims_str(ds, DIMS_STR_LEN, dims, rank);
        *hdr = 4 + 4 * (size_t)rank;
        *bytes = (size_t)b;
        if (s->f)
            rc = check_raw_size(s, ds, *hdr, *bytes);
    }
    if (rc)
        src_close(s);
    return rc;
}

/* Open, check, read exactly the promised elements. dims: [rank]. */
static int read_idx(const char *path, int rank, uint32_t *dims, uint8_t **data)
{
    *data = NULL;
    Source s;
    size_t hdr, bytes;
    char ds[DIMS_STR_LEN];
    int rc = open_idx(path, rank, &s, dims, &hdr, &bytes, ds);
    if (rc)
        return rc;
    rc = s.gz ? read_body_gz(&s, ds, hdr, bytes, data) : read_body_raw(&s, hdr, bytes, data);
    src_close(&s);
    return rc;
}

int idx_images_open(const char *path, IdxImageFile *out)
{
    memset(out, 0, sizeof *out);
    Source s;
    uint32_t dims[3];
    size_t hdr, bytes;
    char ds[DIMS_STR_LEN];
    int rc = open_idx(path, 3, &s, dims, &hdr, &bytes, ds);
    if (rc)
        return rc;
    if (s.gz) {   /* a gzip stream's length is only known at its end: decompressed whole, here */
        rc = read_body_gz(&s, ds, hdr, bytes, &out->body);
        src_close(&s);
        if (rc)
            return rc;
    } else {
        out->f = s.f;   /* kept open for idx_images_read */
        out->hdr = hdr;
    }
    out->path = path;
    out->n = (int)dims[0];
    out->rows = (int)dims[1];
    out->cols = (int)dims[2];
    return MNL_OK;
}

/* Each run of consecutive indices is one read (or copy): all n images in order are one read. */
int idx_images_read(const IdxImageFile *f, const int *idx, int count, uint8_t *out)
{
    for (int i = 0; i < count; i++)
        if (idx[i] < 0 || idx[i] >= f->n)
            return mnl_fail(MNL_ERR_ARG, "%s: image %d asked for, the file holds %d", f->path, idx[i],
                            f->n);
    size_t hw = (size_t)f->rows * (size_t)f->cols;
    for (int i = 0, run; i < count; i += run) {
        for (run = 1; i + run < count && idx[i + run] == idx[i] + run; run++)
            ;
        uint8_t *dst = out + (size_t)i * hw;
        size_t at = (size_t)idx[i] * hw, len = (size_t)run * hw;
        if (f->body)
            memcpy(dst, f->body + at, len);
        else {
            int rc = pread_all(f->path, f->f, dst, len, (uint64_t)f->hdr + at);
            if (rc)
                return rc;
        }
    }
    return MNL_OK;
}

void idx_images_close(IdxImageFile *f)
{
    if (!f)
        return;
    if (f->f)
        fclose(f->f);
    free(f->body);
    memset(f, 0, sizeof *f);
}

int idx_read_images(const char *path, IdxImages *out)
{
    memset(out, 0, sizeof *out);
    uint32_t dims[3];
    uint8_t *data;
    int rc = read_idx(path, 3, dims, &data);
    if (rc)
        return rc;
    out->pixels = data;
    out->n = (int)dims[0];
    out->rows = (int)dims[1];
    out->cols = (int)dims[2];
    return MNL_OK;
}

int idx_read_labels(const char *path, int num_classes, IdxLabels *out)
{
    memset(out, 0, sizeof *out);
    if (num_classes < 1 || num_classes > 256)
        return mnl_fail(MNL_ERR_ARG, "%s: num_classes %d outside 1..256", path ? path : "(null)",
                        num_classes);
    uint32_t dims[1];
    uint8_t *data;
    int rc = read_idx(path, 1, dims, &data);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < dims[0]; i++)
        if (data[i] >= num_classes) {
            rc = mnl_fail(MNL_ERR_IDX_LABEL, "%s: label %d at index %lu, expected 0..%d", path, data[i],
                          (unsigned long)i, num_classes - 1);
            free(data);
            return rc;
        }
    out->labels = data;
    out->n = (int)dims[0];
    return MNL_OK;
}

int idx_check_pair(const char *images_path, int images, const char *labels_path,
                   const IdxLabels *lb)
{
    if (images != lb->n)
        return mnl_fail(MNL_ERR_IDX_COUNT, "%s has %d images but %s has %d labels", images_path, images,
                        labels_path, lb->n);
    return MNL_OK;
}

/* ---- writing ------------------------------------------------------------------------------- */

/* Deflate a whole buffer into a gzip member in memory (windowBits 15 + 16 asks for the gzip
 * wrapper rather than zlib's). */
static int gzip_buffer(const char *path, const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return mnl_fail(MNL_ERR_NOMEM, "%s: cannot start gzip compression", path);
    uLong cap = deflateBound(&z, (uLong)len);
    uint8_t *buf = malloc(cap);
    if (!buf) {
        deflateEnd(&z);
        return mnl_fail(MNL_ERR_NOMEM, "%s: cannot allocate %lu bytes", path, (unsigned long)cap);
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    int zr = deflate(&z, Z_FINISH);
    size_t total = (size_t)z.total_out;
    deflateEnd(&z);
    if (zr != Z_STREAM_END) {
        free(buf);
        return mnl_fail(MNL_ERR_IO, "%s: gzip compression failed (zlib %d)", path, zr);
    }
    *out = buf;
    *out_len = total;
    return MNL_OK;
}

/* Header + elements into one buffer, optionally gzipped, then one atomic write. */
static int write_idx(const char *path, const uint32_t *dims, int rank, const uint8_t *data, int gz)
{
    uint64_t bytes;
    int rc = check_dims(path, dims, rank, &bytes);
    if (rc) {
        return mnl_fail(MNL_ERR_ARG, "%s", mnl_last_error());   /* mnl_fail may format its own detail */
    }
    size_t hdr = 4 + 4 * (size_t)rank, len = hdr + (size_t)bytes;
    uint8_t *file = malloc(len);
    if (!file)
        return mnl_fail(MNL_ERR_NOMEM, "%s: cannot allocate %zu bytes", path, len);
    file[0] = 0;
    file[1] = 0;
    file[2] = IDX_TYPE_UBYTE;
    file[3] = (uint8_t)rank;
    for (int i = 0; i < rank; i++)
        put_be32(file + 4 + 4 * i, dims[i]);
    if (bytes)
        memcpy(file + hdr, data, (size_t)bytes);
    if (gz) {
        uint8_t *packed = NULL;
        size_t packed_len = 0;
        rc = gzip_buffer(path, file, len, &packed, &packed_len);
        free(file);
        if (rc)
            return rc;
        file = packed;
        len = packed_len;
    }
    rc = atomic_write_file(path, file, len);
    free(file);
    return rc;
}

int idx_write_images(const char *path, const IdxImages *im, int gz)
{
    if (!path || !im || im->n < 0 || im->rows < 1 || im->cols < 1 || (im->n > 0 && !im->pixels))
        return mnl_fail(MNL_ERR_ARG, "%s: impossible image set to write", path ? path : "(null)");
    uint32_t dims[3] = {(uint32_t)im->n, (uint32_t)im->rows, (uint32_t)im->cols};
    return write_idx(path, dims, 3, im->pixels, gz);
}

int idx_write_labels(const char *path, const IdxLabels *lb, int gz)
{
    if (!path || !lb || lb->n < 0 || (lb->n > 0 && !lb->labels))
        return mnl_fail(MNL_ERR_ARG, "%s: impossible label set to write", path ? path : "(null)");
    uint32_t dims[1] = {(uint32_t)lb->n};
    return write_idx(path, dims, 1, lb->labels, gz);
}

void idx_images_free(IdxImages *im)
{
    if (!im)
        return;
    free(im->pixels);
    memset(im, 0, sizeof *im);
}

void idx_labels_free(IdxLabels *lb)
{
    if (!lb)
        return;
    free(lb->labels);
    memset(lb, 0, sizeof *lb);
}
