// The declarations and what each function promises are in include/CPartaImage.h.
//
// libjpeg reports a fatal error by calling cinfo->err->error_exit, which by default prints and
// calls exit(). Ours formats the message into the caller's buffer and longjmps back into the
// function that called setjmp. That function is always a small "inner" one whose caller owns
// every resource (the codec struct, the pixel buffer, the output buffer): objects local to the
// function containing setjmp and changed before the longjmp would be indeterminate after it
// (C11 7.13.2.1), so nothing the cleanup needs lives there.
#include "CPartaImage.h"

#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

// MARK: - libjpeg's errors

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char *message;
} parta_jpeg_error;

static void parta_jpeg_error_exit(j_common_ptr cinfo) {
    parta_jpeg_error *error = (parta_jpeg_error *)cinfo->err;
    if (error->message) (*cinfo->err->format_message)(cinfo, error->message);
    longjmp(error->jump, 1);
}

// Warnings (a truncated file, extraneous bytes) are counted by libjpeg and decoding goes on, as
// browsers do; nothing is printed to the server's stderr.
static void parta_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void parta_jpeg_error_init(parta_jpeg_error *error, char *message) {
    jpeg_std_error(&error->pub);
    error->pub.error_exit = parta_jpeg_error_exit;
    error->pub.output_message = parta_jpeg_output_message;
    error->message = message;
    if (message) message[0] = 0;
}

static void parta_message(char *message, const char *text) {
    if (!message) return;
    snprintf(message, PARTA_IMG_MESSAGE_MAX, "%s", text);
}

static int parta_over_limits(uint32_t width, uint32_t height, const parta_img_limits *limits) {
    if (width == 0 || height == 0) return 0;
    if (limits->max_side && (width > limits->max_side || height > limits->max_side)) return 1;
    if (limits->max_pixels && (uint64_t)width * (uint64_t)height > limits->max_pixels) return 1;
    return 0;
}

// MARK: - JPEG decoding

typedef struct {
    struct jpeg_decompress_struct cinfo;
    parta_jpeg_error error;
    const parta_img_limits *limits;
    parta_img *out;
    uint8_t *row;      // one CMYK row
    int status;        // what a longjmp means
} parta_jpeg_decoding;

static void parta_cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, uint32_t width, int inverted) {
    for (uint32_t x = 0; x < width; x++) {
        unsigned c = cmyk[4 * x], m = cmyk[4 * x + 1], y = cmyk[4 * x + 2], k = cmyk[4 * x + 3];
        // Adobe's files store the inks inverted (the APP14 marker says so): then the value is the light.
        if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
        rgb[3 * x] = (uint8_t)((c * k + 127) / 255);
        rgb[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
        rgb[3 * x + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

// Runs under setjmp: everything it allocates is recorded in `d`, which its caller frees.
static int parta_jpeg_decode_inner(parta_jpeg_decoding *d, const uint8_t *data, size_t size) {
    struct jpeg_decompress_struct *cinfo = &d->cinfo;
    if (setjmp(d->error.jump)) {
        int code = d->error.pub.msg_code;
        if (code == JERR_OUT_OF_MEMORY || code == JERR_NO_BACKING_STORE) return PARTA_IMG_TOO_LARGE;
        return d->status;
    }
    jpeg_create_decompress(cinfo);
    if (d->limits->max_decoder_memory) cinfo->mem->max_memory_to_use = (long)d->limits->max_decoder_memory;
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    if (jpeg_read_header(cinfo, TRUE) != JPEG_HEADER_OK) {
        parta_message(d->error.message, "no image in the JPEG data");
        return PARTA_IMG_CORRUPT;
    }
    d->out->full_width = cinfo->image_width;
    d->out->full_height = cinfo->image_height;
    if (parta_over_limits(cinfo->image_width, cinfo->image_height, d->limits)) {
        parta_message(d->error.message, "the image is larger than allowed");
        return PARTA_IMG_TOO_LARGE;
    }
    int cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
    cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    cinfo->dct_method = JDCT_ISLOW;
    if (d->limits->min_width || d->limits->min_height) {
        unsigned int num;
        for (num = 1; num <= 8; num++) {
            cinfo->scale_num = num;
            cinfo->scale_denom = 8;
            jpeg_calc_output_dimensions(cinfo);
            if (cinfo->output_width >= d->limits->min_width && cinfo->output_height >= d->limits->min_height) break;
        }
        if (num > 8) { cinfo->scale_num = 1; cinfo->scale_denom = 1; }
    }
    jpeg_start_decompress(cinfo);
    uint32_t width = cinfo->output_width, height = cinfo->output_height;
    if (width == 0 || height == 0 || (cinfo->output_components != 3 && cinfo->output_components != 4)) {
        parta_message(d->error.message, "unexpected JPEG output");
        return PARTA_IMG_CORRUPT;
    }
    size_t stride = (size_t)width * 3;
    d->out->pixels = malloc(stride * height);
    if (!d->out->pixels) return PARTA_IMG_NO_MEMORY;
    d->out->width = width;
    d->out->height = height;
    if (cmyk) {
        d->row = malloc((size_t)width * 4);
        if (!d->row) return PARTA_IMG_NO_MEMORY;
    }
    while (cinfo->output_scanline < height) {
        uint8_t *target = d->out->pixels + (size_t)cinfo->output_scanline * stride;
        JSAMPROW row = cmyk ? d->row : target;
        if (jpeg_read_scanlines(cinfo, &row, 1) != 1) {
            parta_message(d->error.message, "the JPEG data ended early");
            return PARTA_IMG_CORRUPT;
        }
        if (cmyk) parta_cmyk_to_rgb(d->row, target, width, cinfo->saw_Adobe_marker);
    }
    jpeg_finish_decompress(cinfo);
    return PARTA_IMG_OK;
}

int parta_jpeg_decode(const uint8_t *data, size_t size, const parta_img_limits *limits, parta_img *out,
                      char message[PARTA_IMG_MESSAGE_MAX]) {
    parta_jpeg_decoding d;
    memset(&d, 0, sizeof d);
    memset(out, 0, sizeof *out);
    parta_jpeg_error_init(&d.error, message);
    d.cinfo.err = &d.error.pub;
    d.limits = limits;
    d.out = out;
    d.status = PARTA_IMG_CORRUPT;
    int status = parta_jpeg_decode_inner(&d, data, size);
    jpeg_destroy_decompress(&d.cinfo);
    free(d.row);
    if (status != PARTA_IMG_OK) {
        free(out->pixels);
        out->pixels = NULL;
        out->width = out->height = 0;
    }
    return status;
}

static int parta_jpeg_size_inner(parta_jpeg_decoding *d, const uint8_t *data, size_t size) {
    if (setjmp(d->error.jump)) return PARTA_IMG_CORRUPT;
    jpeg_create_decompress(&d->cinfo);
    jpeg_mem_src(&d->cinfo, data, (unsigned long)size);
    if (jpeg_read_header(&d->cinfo, TRUE) != JPEG_HEADER_OK) return PARTA_IMG_CORRUPT;
    d->out->full_width = d->cinfo.image_width;
    d->out->full_height = d->cinfo.image_height;
    return PARTA_IMG_OK;
}

int parta_jpeg_size(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height, char message[PARTA_IMG_MESSAGE_MAX]) {
    parta_jpeg_decoding d;
    parta_img info;
    memset(&d, 0, sizeof d);
    memset(&info, 0, sizeof info);
    parta_jpeg_error_init(&d.error, message);
    d.cinfo.err = &d.error.pub;
    d.out = &info;
    int status = parta_jpeg_size_inner(&d, data, size);
    jpeg_destroy_decompress(&d.cinfo);
    *width = info.full_width;
    *height = info.full_height;
    return status;
}

// MARK: - JPEG encoding

typedef struct {
    struct jpeg_compress_struct cinfo;
    parta_jpeg_error error;
    unsigned char *buffer;   // grown by libjpeg (malloc); ours to free
    unsigned long size;
} parta_jpeg_encoding;

static int parta_jpeg_encode_inner(parta_jpeg_encoding *e, const uint8_t *rgb, uint32_t width, uint32_t height, int quality) {
    struct jpeg_compress_struct *cinfo = &e->cinfo;
    if (setjmp(e->error.jump)) return PARTA_IMG_CORRUPT;
    jpeg_create_compress(cinfo);
    jpeg_mem_dest(cinfo, &e->buffer, &e->size);
    cinfo->image_width = width;
    cinfo->image_height = height;
    cinfo->input_components = 3;
    cinfo->in_color_space = JCS_RGB;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    cinfo->optimize_coding = TRUE;
    cinfo->dct_method = JDCT_ISLOW;
    jpeg_start_compress(cinfo, TRUE);
    size_t stride = (size_t)width * 3;
    while (cinfo->next_scanline < height) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo->next_scanline * stride);
        jpeg_write_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_compress(cinfo);
    return PARTA_IMG_OK;
}

int parta_jpeg_encode(const uint8_t *rgb, uint32_t width, uint32_t height, int quality,
                      uint8_t **out, size_t *out_size, char message[PARTA_IMG_MESSAGE_MAX]) {
    *out = NULL;
    *out_size = 0;
    if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
        parta_message(message, "bad size for a JPEG");
        return PARTA_IMG_CORRUPT;
    }
    parta_jpeg_encoding e;
    memset(&e, 0, sizeof e);
    parta_jpeg_error_init(&e.error, message);
    e.cinfo.err = &e.error.pub;
    int status = parta_jpeg_encode_inner(&e, rgb, width, height, quality < 1 ? 1 : quality > 100 ? 100 : quality);
    jpeg_destroy_compress(&e.cinfo);
    if (status != PARTA_IMG_OK) {
        free(e.buffer);
        return status;
    }
    *out = e.buffer;
    *out_size = e.size;
    return PARTA_IMG_OK;
}

// MARK: - PNG (libpng's simplified API: it catches its own errors and returns 0)

static void parta_png_message(char *message, const png_image *image, const char *fallback) {
    parta_message(message, image->message[0] ? image->message : fallback);
}

int parta_png_size(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height, char message[PARTA_IMG_MESSAGE_MAX]) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    *width = *height = 0;
    if (message) message[0] = 0;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        parta_png_message(message, &image, "not a PNG");
        png_image_free(&image);
        return PARTA_IMG_CORRUPT;
    }
    *width = image.width;
    *height = image.height;
    png_image_free(&image);
    return PARTA_IMG_OK;
}

int parta_png_decode(const uint8_t *data, size_t size, const parta_img_limits *limits,
                     uint8_t bg_r, uint8_t bg_g, uint8_t bg_b, parta_img *out, char message[PARTA_IMG_MESSAGE_MAX]) {
    png_image image;
    memset(&image, 0, sizeof image);
    memset(out, 0, sizeof *out);
    image.version = PNG_IMAGE_VERSION;
    if (message) message[0] = 0;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        parta_png_message(message, &image, "not a PNG");
        png_image_free(&image);
        return PARTA_IMG_CORRUPT;
    }
    out->full_width = image.width;
    out->full_height = image.height;
    if (image.width == 0 || image.height == 0 || parta_over_limits(image.width, image.height, limits)) {
        parta_message(message, "the image is larger than allowed");
        png_image_free(&image);
        return image.width == 0 || image.height == 0 ? PARTA_IMG_CORRUPT : PARTA_IMG_TOO_LARGE;
    }
    image.format = PNG_FORMAT_RGB;
    size_t stride = (size_t)image.width * 3;
    uint8_t *pixels = malloc(stride * image.height);
    if (!pixels) {
        png_image_free(&image);
        return PARTA_IMG_NO_MEMORY;
    }
    png_color background = { bg_r, bg_g, bg_b };
    if (!png_image_finish_read(&image, &background, pixels, (png_int_32)stride, NULL)) {
        parta_png_message(message, &image, "the PNG data could not be read");
        png_image_free(&image);
        free(pixels);
        return PARTA_IMG_CORRUPT;
    }
    png_image_free(&image);
    out->pixels = pixels;
    out->width = out->full_width;
    out->height = out->full_height;
    return PARTA_IMG_OK;
}

// MARK: - Pixels

int parta_rgb_resize_area(const uint8_t *src, uint32_t width, uint32_t height,
                          uint32_t x, uint32_t y, uint32_t w, uint32_t h,
                          uint8_t *dst, uint32_t dst_width, uint32_t dst_height) {
    if (!w || !h || !dst_width || !dst_height || (uint64_t)x + w > width || (uint64_t)y + h > height) return PARTA_IMG_CORRUPT;
    const double sx = (double)w / dst_width, sy = (double)h / dst_height;
    // Each output column's span of source columns and their weights (the share of each covered).
    uint32_t *first = malloc(sizeof(uint32_t) * dst_width);
    uint32_t *count = malloc(sizeof(uint32_t) * dst_width);
    float *weights = malloc(sizeof(float) * ((size_t)w + 2 * (size_t)dst_width + 2));
    float *row = malloc(sizeof(float) * (size_t)dst_width * 3);
    float *sum = calloc((size_t)dst_width * dst_height * 3, sizeof(float));
    if (!first || !count || !weights || !row || !sum) {
        free(first); free(count); free(weights); free(row); free(sum);
        return PARTA_IMG_NO_MEMORY;
    }
    size_t at = 0;
    for (uint32_t dx = 0; dx < dst_width; dx++) {
        double left = dx * sx, right = (dx + 1) * sx;
        if (right > w) right = w;
        uint32_t i = (uint32_t)left;
        first[dx] = i;
        count[dx] = 0;
        for (; i < w && i < right; i++) {
            double a = left > i ? left : i, b = right < i + 1 ? right : i + 1;
            weights[at++] = (float)((b - a) / sx);
            count[dx]++;
        }
    }
    for (uint32_t j = 0; j < h; j++) {
        const uint8_t *line = src + ((size_t)(y + j) * width + x) * 3;
        size_t k = 0;
        for (uint32_t dx = 0; dx < dst_width; dx++) {
            float r = 0, g = 0, b = 0;
            const uint8_t *p = line + (size_t)first[dx] * 3;
            for (uint32_t n = 0; n < count[dx]; n++, p += 3) {
                float wgt = weights[k++];
                r += wgt * p[0]; g += wgt * p[1]; b += wgt * p[2];
            }
            row[3 * dx] = r; row[3 * dx + 1] = g; row[3 * dx + 2] = b;
        }
        // The output rows this source row overlaps, each by its share.
        for (uint32_t dy = (uint32_t)(j / sy); dy < dst_height && dy * sy < j + 1; dy++) {
            double top = dy * sy, bottom = (dy + 1) * sy;
            double a = top > j ? top : j, b = bottom < j + 1 ? bottom : j + 1;
            if (b <= a) continue;
            float wgt = (float)((b - a) / sy);
            float *acc = sum + (size_t)dy * dst_width * 3;
            for (size_t c = 0; c < (size_t)dst_width * 3; c++) acc[c] += wgt * row[c];
        }
    }
    for (size_t c = 0; c < (size_t)dst_width * dst_height * 3; c++) {
        float v = sum[c] + 0.5f;
        dst[c] = v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)v;
    }
    free(first); free(count); free(weights); free(row); free(sum);
    return PARTA_IMG_OK;
}

void parta_rgb_orient(const uint8_t *src, uint32_t width, uint32_t height, int orientation, uint8_t *dst) {
    if (orientation < 2 || orientation > 8) {
        memcpy(dst, src, (size_t)width * height * 3);
        return;
    }
    const uint32_t out_width = orientation >= 5 ? height : width;
    for (uint32_t y = 0; y < height; y++) {
        const uint8_t *p = src + (size_t)y * width * 3;
        for (uint32_t x = 0; x < width; x++, p += 3) {
            uint32_t dx, dy;
            switch (orientation) {
            case 2: dx = width - 1 - x; dy = y; break;
            case 3: dx = width - 1 - x; dy = height - 1 - y; break;
            case 4: dx = x; dy = height - 1 - y; break;
            case 5: dx = y; dy = x; break;
            case 6: dx = height - 1 - y; dy = x; break;
            case 7: dx = height - 1 - y; dy = width - 1 - x; break;
            default: dx = y; dy = width - 1 - x; break;   // 8
            }
            uint8_t *q = dst + ((size_t)dy * out_width + dx) * 3;
            q[0] = p[0]; q[1] = p[1]; q[2] = p[2];
        }
    }
}

uint32_t parta_crc32(uint32_t crc, const uint8_t *data, size_t size) {
    while (size > UINT_MAX) {
        crc = (uint32_t)crc32(crc, data, UINT_MAX);
        data += UINT_MAX;
        size -= UINT_MAX;
    }
    return (uint32_t)crc32(crc, data, (uInt)size);
}

void parta_img_free(void *pointer) { free(pointer); }
