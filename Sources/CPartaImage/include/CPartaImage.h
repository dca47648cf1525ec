// Parta's image codec: JPEG (libjpeg-turbo) and PNG (libpng's simplified API) decoded to 8-bit
// RGB, JPEG encoded to memory, and the two pixel loops thumbnails need (area-averaging resize,
// EXIF orientation). PartaCore's ImageThumbnailer is the only caller.
//
// Nothing here may end the process: libjpeg's default error handler calls exit(), so every
// libjpeg call runs under our own handler that longjmps back with the message; libpng's simplified
// API reports errors through its return value. Sizes are checked against the caller's limits
// from the header, before any pixel buffer is allocated (decompression bombs).
#ifndef C_PARTA_IMAGE_H
#define C_PARTA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define PARTA_IMG_OK 0
/// Not a decodable image (the message says why).
#define PARTA_IMG_CORRUPT 1
/// Over the caller's pixel or side limit; nothing was allocated for pixels.
#define PARTA_IMG_TOO_LARGE 2
#define PARTA_IMG_NO_MEMORY 3

#define PARTA_IMG_MESSAGE_MAX 200

typedef struct {
    /// 8-bit RGB, 3 bytes per pixel, rows packed (stride = width * 3). Free with parta_img_free.
    uint8_t *pixels;
    /// The size of `pixels` (a JPEG may be decoded smaller than it is, see min_width).
    uint32_t width, height;
    /// The image's own size, as its header says.
    uint32_t full_width, full_height;
} parta_img;

typedef struct {
    /// Refuse images with more pixels than this, or a side longer than max_side (checked from the header).
    uint64_t max_pixels;
    uint32_t max_side;
    /// JPEG: decode at the smallest of libjpeg's scales M/8 (M = 1…8) that still gives at least
    /// this size, so a 4000×3000 photo becomes 1000×750 for a 640 px thumbnail almost for free.
    /// 0 and 0: the full size. PNG always decodes at full size.
    uint32_t min_width, min_height;
    /// Memory libjpeg may use besides the output (progressive images keep every coefficient);
    /// past it the image is refused as too large. 0: no limit.
    uint64_t max_decoder_memory;
} parta_img_limits;

/// The size in a JPEG's or PNG's header without decoding (PARTA_IMG_CORRUPT when there is none).
int parta_jpeg_size(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height, char message[PARTA_IMG_MESSAGE_MAX]);
int parta_png_size(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height, char message[PARTA_IMG_MESSAGE_MAX]);

/// Decodes a JPEG (greyscale, YCbCr, RGB, CMYK/YCCK) to RGB.
int parta_jpeg_decode(const uint8_t *data, size_t size, const parta_img_limits *limits, parta_img *out,
                      char message[PARTA_IMG_MESSAGE_MAX]);

/// Decodes a PNG (any bit depth, palette, greyscale, interlaced) to 8-bit sRGB RGB; transparency
/// is composited onto the background colour (bg_r, bg_g, bg_b).
int parta_png_decode(const uint8_t *data, size_t size, const parta_img_limits *limits,
                     uint8_t bg_r, uint8_t bg_g, uint8_t bg_b, parta_img *out, char message[PARTA_IMG_MESSAGE_MAX]);

/// Encodes RGB pixels (stride = width * 3) as a baseline JPEG with optimised Huffman tables and a
/// JFIF header; *out is malloc'd (free with parta_img_free).
int parta_jpeg_encode(const uint8_t *rgb, uint32_t width, uint32_t height, int quality,
                      uint8_t **out, size_t *out_size, char message[PARTA_IMG_MESSAGE_MAX]);

/// Resizes the rectangle (x, y, w, h) of an RGB image (width × height, stride width * 3) to
/// dst_width × dst_height by area averaging: each output pixel is the mean of the source area it
/// covers, partly covered pixels weighted by their share. dst holds dst_width * dst_height * 3 bytes.
int parta_rgb_resize_area(const uint8_t *src, uint32_t width, uint32_t height,
                          uint32_t x, uint32_t y, uint32_t w, uint32_t h,
                          uint8_t *dst, uint32_t dst_width, uint32_t dst_height);

/// Turns an RGB image as stored into the image as shown, by an EXIF orientation (1…8): 2 mirrors,
/// 3 turns 180°, 4 flips, 5 transposes, 6 turns 90° clockwise, 7 transverses, 8 turns 90°
/// counter-clockwise. dst holds width * height * 3 bytes; for 5–8 it is height wide and width high.
void parta_rgb_orient(const uint8_t *src, uint32_t width, uint32_t height, int orientation, uint8_t *dst);

/// A PNG chunk's CRC (zlib's crc32 over the type and the data).
uint32_t parta_crc32(uint32_t crc, const uint8_t *data, size_t size);

void parta_img_free(void *pointer);

#endif
