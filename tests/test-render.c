/* test-render.c: the render layer
 *
 * The GPU colour conversions run through an identity network with the two stages
 * attached, on lavfi test patterns, for every pixel format, matrix, range and chroma
 * siting: YUV to RGB and RGB to YUV against a float64 reference written here and
 * against swscale (where swscale's conventions are the format's), and the round trip
 * at degree 0. Whole renders of the shared clips and of lavfi clips, with a style
 * imported from a fast-style-transfer checkpoint, are checked with ffprobe (frames,
 * duration, frame rate, audio streams) and against their source's frames; cancelled
 * or misdirected renders must leave nothing behind.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "cs-render.h"
#include "cs-styles.h"
#include "cs-test.h"

static void
frame_free (AVFrame *frame)
{
  av_frame_free (&frame);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AVFrame, frame_free)

static CsDevice *device;
static char *data_dir;
static char *tmp_dir;
static gboolean have_tools;
static CsStyle *udnie;
static gboolean udnie_tried;

/* Helpers ------------------------------------------------------------------------------ */

static void
skip (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

static void
skip (const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_test_skip (message);
}

static char *
tmp_file (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static void
check_device (void)
{
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

/* Runs a tool; its standard output, or NULL with error set when it failed. */
static GBytes *
run_tool (const char * const *argv,
          GError            **error)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (proc == NULL || !g_subprocess_communicate (proc, NULL, NULL, &out, &err, error))
    return NULL;
  if (!g_subprocess_get_successful (proc))
    {
      gsize len = 0;
      const char *text = err != NULL ? g_bytes_get_data (err, &len) : "";

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed: %.*s", argv[0], (int) len, text);
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* Runs "ffmpeg -nostdin -v error -y ARGS OUTPUT" (ARGS split by the shell's rules). */
static void
ffmpeg (const char *args,
        const char *output)
{
  g_autofree char *line = g_strdup_printf ("ffmpeg -nostdin -v error -y %s", args);
  g_auto(GStrv) argv = NULL;
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_shell_parse_argv (line, NULL, &argv, NULL));
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (all, argv[i]);
  g_ptr_array_add (all, (char *) output);
  g_ptr_array_add (all, NULL);
  out = run_tool ((const char * const *) all->pdata, &error);
  g_assert_no_error (error);
}

static JsonNode *
ffprobe (const char *path)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-count_frames", "-show_streams", "-show_format",
                         "-of", "json", path, NULL };
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  gsize len;
  const char *text;

  out = run_tool (argv, &error);
  g_assert_no_error (error);
  text = g_bytes_get_data (out, &len);
  root = json_from_string (len > 0 ? text : "{}", &error);
  g_assert_no_error (error);
  return root;
}

static double
json_double (JsonObject *obj,
             const char *member)
{
  const char *s = json_object_has_member (obj, member) ? json_object_get_string_member (obj, member) : NULL;

  return s != NULL ? g_ascii_strtod (s, NULL) : -1.0;
}

/* Matroska keeps a stream's duration in a tag, as "HH:MM:SS.nnnnnnnnn"; -1 when absent. */
static double
matroska_duration (JsonObject *stream)
{
  JsonObject *tags = json_object_has_member (stream, "tags") ? json_object_get_object_member (stream, "tags") : NULL;
  const char *s = tags != NULL && json_object_has_member (tags, "DURATION") ?
                  json_object_get_string_member (tags, "DURATION") : NULL;
  int h = 0, m = 0;
  double sec = 0;

  if (s == NULL || sscanf (s, "%d:%d:%lf", &h, &m, &sec) != 3)
    return -1.0;
  return h * 3600.0 + m * 60.0 + sec;
}

static AVRational
json_ratio (JsonObject *obj,
            const char *member)
{
  const char *s = json_object_get_string_member (obj, member);
  int num = 0, den = 1;

  g_assert_nonnull (s);
  g_assert_cmpint (sscanf (s, "%d/%d", &num, &den), ==, 2);
  return av_make_q (num, den);
}

/* Streams of ffprobe's answer of one type. */
static GPtrArray *
streams_of_type (JsonNode   *root,
                 const char *type)
{
  JsonArray *streams = json_object_get_array_member (json_node_get_object (root), "streams");
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < json_array_get_length (streams); i++)
    {
      JsonObject *s = json_array_get_object_element (streams, i);

      if (g_strcmp0 (json_object_get_string_member (s, "codec_type"), type) == 0)
        g_ptr_array_add (found, s);
    }
  return found;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Presentation times of the video packets of path, in seconds, sorted. */
static GArray *
video_times (const char *path)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                         "packet=pts_time", "-of", "csv=p=0", path, NULL };
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *text = NULL;
  GArray *times = g_array_new (FALSE, FALSE, sizeof (double));
  gsize len;

  out = run_tool (argv, &error);
  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (out, &len), g_bytes_get_size (out));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *end = NULL;
      double t = g_ascii_strtod (lines[i], &end);

      if (end != lines[i])
        g_array_append_val (times, t);
    }
  g_array_sort (times, compare_doubles);
  return times;
}

static GBytes *
file_checksum (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autofree char *sum = NULL;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  return g_bytes_new (sum, strlen (sum));
}

static guint
count_partial_files (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (strstr (name, ".partial") != NULL)
      n++;
  return n;
}

/* Test patterns and networks ---------------------------------------------------------- */

/* One frame of a lavfi source in a pixel format, made by the ffmpeg CLI. */
static AVFrame *
pattern (const char        *source,
         int                width,
         int                height,
         enum AVPixelFormat format)
{
  g_autofree char *name = g_strdup_printf ("%s-%dx%d-%s.raw", source, width, height, av_get_pix_fmt_name (format));
  g_autofree char *path = tmp_file (name);
  g_autofree char *contents = NULL;
  gsize len = 0;
  AVFrame *frame = av_frame_alloc ();
  const uint8_t *src[4];
  int linesize[4];

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *args = g_strdup_printf ("-f lavfi -i %s=size=%dx%d:rate=25,format=gbrp -ss 0.4 -frames:v 1 "
                                               "-pix_fmt %s -f rawvideo",
                                               source, width, height, av_get_pix_fmt_name (format));
      ffmpeg (args, path);
    }
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpint ((int) len, ==, av_image_get_buffer_size (format, width, height, 1));

  frame->width = width;
  frame->height = height;
  frame->format = format;
  g_assert_cmpint (av_frame_get_buffer (frame, 0), >=, 0);
  av_image_fill_arrays ((uint8_t **) src, linesize, (const uint8_t *) contents, format, width, height, 1);
  av_image_copy (frame->data, frame->linesize, src, linesize, format, width, height);
  return frame;
}

/* y = x * k: with k 1, an identity that still runs a node of its own. */
static CsNetwork *
scale_network (float k)
{
  g_autoptr(CsOnnxWriter) w = cs_onnx_writer_new ("scale", 13);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  CsNetwork *network;

  cs_onnx_writer_add_input (w, "image", "1,3,height,width");
  cs_onnx_writer_add_float_initializer (w, "k", CS_ONNX_DIMS (1), &k, 1);
  cs_onnx_writer_add_node (w, "Mul", "scale", CS_ONNX_NAMES ("image", "k"), CS_ONNX_NAMES ("styled"));
  cs_onnx_writer_add_output (w, "styled", "1,3,height,width");
  bytes = cs_onnx_writer_serialize (w);
  network = cs_network_new_from_bytes (device, bytes, NULL, &error);
  g_assert_no_error (error);
  return network;
}

static const struct {
  const char        *name;
  enum AVColorSpace  matrix;
  double             kr;
  double             kb;
} matrices[] = {
  { "BT.601", AVCOL_SPC_SMPTE170M, 0.299, 0.114 },
  { "BT.709", AVCOL_SPC_BT709, 0.2126, 0.0722 },
  { "BT.2020", AVCOL_SPC_BT2020_NCL, 0.2627, 0.0593 },
};

static const char *const sources[] = { "testsrc2", "smptebars", "mandelbrot" };

/* The float64 reference ------------------------------------------------------------ */

/* Codes = a . (R, G, B in 0..255) + b, from the matrix's luma weights and the
 * code ranges of ITU-R BT.601/709/2020 (limited) and JPEG (full); its inverse too. */
typedef struct {
  double to_yuv[3][4];
  double to_rgb[3][4];
} RefMatrix;

static void
ref_matrix (const CsYuvFormat *fmt,
            RefMatrix         *r)
{
  double kr = 0, kb = 0, kg, a[3][3], det, scale[3], offset[3];
  double n = (double) (1 << (fmt->depth - 8));
  double max = (double) ((1 << fmt->depth) - 1);

  for (guint i = 0; i < G_N_ELEMENTS (matrices); i++)
    if (matrices[i].matrix == fmt->matrix)
      {
        kr = matrices[i].kr;
        kb = matrices[i].kb;
      }
  g_assert_cmpfloat (kr, >, 0);
  kg = 1.0 - kr - kb;

  /* Y' and the colour differences Pb, Pr (-0.5 to 0.5) from R', G', B' (0 to 1). */
  a[0][0] = kr;                          a[0][1] = kg;                          a[0][2] = kb;
  a[1][0] = -kr / (2 * (1 - kb));        a[1][1] = -kg / (2 * (1 - kb));        a[1][2] = 0.5;
  a[2][0] = 0.5;                         a[2][1] = -kg / (2 * (1 - kr));        a[2][2] = -kb / (2 * (1 - kr));
  if (fmt->range == AVCOL_RANGE_JPEG)
    {
      scale[0] = scale[1] = scale[2] = max;
      offset[0] = 0;
      offset[1] = offset[2] = (double) (1 << (fmt->depth - 1));
    }
  else
    {
      scale[0] = 219 * n;
      scale[1] = scale[2] = 224 * n;
      offset[0] = 16 * n;
      offset[1] = offset[2] = 128 * n;
    }
  for (int k = 0; k < 3; k++)
    {
      for (int c = 0; c < 3; c++)
        r->to_yuv[k][c] = scale[k] * a[k][c] / 255.0;
      r->to_yuv[k][3] = offset[k];
    }

  /* The inverse, by cofactors. */
  {
    double (*m)[4] = r->to_yuv;
    double inv[3][3];

    det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
          m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
          m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++)
        {
          int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;

          inv[i][j] = (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]) / det;
        }
    for (int i = 0; i < 3; i++)
      {
        r->to_rgb[i][3] = 0;
        for (int j = 0; j < 3; j++)
          {
            r->to_rgb[i][j] = inv[i][j];
            r->to_rgb[i][3] -= inv[i][j] * m[j][3];
          }
      }
  }
}

static void
chroma_site (const CsYuvFormat *fmt,
             double            *ox,
             double            *oy)
{
  /* MPEG-2's left: co-sited horizontally, between rows; JPEG's centre; or top-left. */
  double h = fmt->siting == AVCHROMA_LOC_CENTER ? 0.5 : 0.0;
  double v = fmt->siting == AVCHROMA_LOC_TOPLEFT ? 0.0 : 0.5;

  *ox = fmt->log2_chroma_w ? h : 0.0;
  *oy = fmt->log2_chroma_h ? v : 0.0;
}

static double
sample (const AVFrame *f,
        int            plane,
        int            x,
        int            y,
        int            bytes)
{
  const uint8_t *row = f->data[plane] + (gsize) y * f->linesize[plane];

  return bytes == 1 ? row[x] : (double) ((const uint16_t *) row)[x];
}

/* Planar RGB (0..255) of a YUV frame, chroma upsampled bilinearly from its sites. */
static double *
ref_yuv_to_rgb (const CsYuvFormat *fmt,
                const AVFrame     *f)
{
  int w = fmt->width, h = fmt->height;
  int cw = -((-w) >> fmt->log2_chroma_w), ch = -((-h) >> fmt->log2_chroma_h);
  double sx = 1 << fmt->log2_chroma_w, sy = 1 << fmt->log2_chroma_h, ox, oy;
  double *rgb = g_new (double, (gsize) 3 * w * h);
  RefMatrix r;

  ref_matrix (fmt, &r);
  chroma_site (fmt, &ox, &oy);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double cx = (x - ox) / sx, cy = (y - oy) / sy;
        int x0 = (int) floor (cx), y0 = (int) floor (cy);
        double fx = cx - x0, fy = cy - y0, yuv[3];
        int xa = CLAMP (x0, 0, cw - 1), xb = CLAMP (x0 + 1, 0, cw - 1);
        int ya = CLAMP (y0, 0, ch - 1), yb = CLAMP (y0 + 1, 0, ch - 1);

        yuv[0] = sample (f, 0, x, y, fmt->bytes_per_sample);
        for (int p = 1; p < 3; p++)
          yuv[p] = (1 - fy) * ((1 - fx) * sample (f, p, xa, ya, fmt->bytes_per_sample) +
                               fx * sample (f, p, xb, ya, fmt->bytes_per_sample)) +
                   fy * ((1 - fx) * sample (f, p, xa, yb, fmt->bytes_per_sample) +
                         fx * sample (f, p, xb, yb, fmt->bytes_per_sample));
        for (int c = 0; c < 3; c++)
          {
            double v = r.to_rgb[c][3];

            for (int k = 0; k < 3; k++)
              v += r.to_rgb[c][k] * yuv[k];
            rgb[(gsize) c * w * h + (gsize) y * w + x] = CLAMP (v, 0.0, 255.0);
          }
      }
  return rgb;
}

/* A YUV frame of planar RGB (0..255): each chroma sample the tent-weighted
 * mean of the pixels within one chroma sample of its site, edges repeated. */
static AVFrame *
ref_rgb_to_yuv (const CsYuvFormat *fmt,
                const double      *rgb)
{
  int w = fmt->width, h = fmt->height;
  double sx = 1 << fmt->log2_chroma_w, sy = 1 << fmt->log2_chroma_h, ox, oy;
  double max = (double) ((1 << fmt->depth) - 1);
  CsYuvLayout layout;
  AVFrame *f = av_frame_alloc ();
  RefMatrix r;

  ref_matrix (fmt, &r);
  chroma_site (fmt, &ox, &oy);
  cs_yuv_format_get_layout (fmt, &layout);
  f->width = w;
  f->height = h;
  f->format = fmt->format;
  g_assert_cmpint (av_frame_get_buffer (f, 0), >=, 0);

  for (int p = 0; p < 3; p++)
    for (int j = 0; j < layout.height[p]; j++)
      for (int i = 0; i < layout.width[p]; i++)
        {
          double px[3] = { 0, 0, 0 }, total = 0, v;
          double site_x = p == 0 ? i : sx * i + ox, site_y = p == 0 ? j : sy * j + oy;
          double rx = p == 0 ? 1 : sx, ry = p == 0 ? 1 : sy;
          uint8_t *row = f->data[p] + (gsize) j * f->linesize[p];

          for (int y = (int) ceil (site_y - ry); y <= (int) floor (site_y + ry); y++)
            for (int x = (int) ceil (site_x - rx); x <= (int) floor (site_x + rx); x++)
              {
                double wgt = (1 - fabs (x - site_x) / rx) * (1 - fabs (y - site_y) / ry);
                gsize at = (gsize) CLAMP (y, 0, h - 1) * w + CLAMP (x, 0, w - 1);

                if (wgt <= 0)
                  continue;
                for (int c = 0; c < 3; c++)
                  px[c] += wgt * rgb[(gsize) c * w * h + at];
                total += wgt;
              }
          v = r.to_yuv[p][3];
          for (int c = 0; c < 3; c++)
            v += r.to_yuv[p][c] * px[c] / total;
          v = CLAMP (floor (v + 0.5), 0, max);
          if (fmt->bytes_per_sample == 1)
            row[i] = (uint8_t) v;
          else
            ((uint16_t *) row)[i] = (uint16_t) v;
        }
  f->colorspace = fmt->matrix;
  f->color_range = fmt->range;
  f->chroma_location = fmt->siting;
  return f;
}

/* swscale, the independent implementation --------------------------------------------- */

/* Where swscale's conventions are the format's. It steps chroma by the ratio of
 * the plane sizes (not exactly 2 for odd sizes), and upsamples vertically
 * subsampled chroma as if it sat on the odd rows whatever its position, so it is
 * only a reference where neither matters. */
static gboolean
sws_agrees (const CsYuvFormat *fmt,
            gboolean           upsampling)
{
  double ox, oy;

  chroma_site (fmt, &ox, &oy);
  if ((fmt->log2_chroma_w && fmt->width % 2) || (fmt->log2_chroma_h && fmt->height % 2))
    return FALSE;
  return !upsampling || oy == 0.0;
}

/* swscale with the chroma siting given explicitly, in its units of 1/256 luma sample. */
static struct SwsContext *
reference_sws (const CsYuvFormat *yuv,
               enum AVPixelFormat src,
               enum AVPixelFormat dst,
               gboolean           yuv_is_source)
{
  struct SwsContext *sws = sws_alloc_context ();
  const int *coefs = sws_getCoefficients (yuv->matrix);
  gboolean full = yuv->range == AVCOL_RANGE_JPEG;
  int flags = SWS_BILINEAR | SWS_ACCURATE_RND | SWS_BITEXACT |
              (yuv_is_source ? SWS_FULL_CHR_H_INT : SWS_FULL_CHR_H_INP);
  double ox, oy;

  chroma_site (yuv, &ox, &oy);
  av_opt_set_int (sws, "srcw", yuv->width, 0);
  av_opt_set_int (sws, "srch", yuv->height, 0);
  av_opt_set_int (sws, "dstw", yuv->width, 0);
  av_opt_set_int (sws, "dsth", yuv->height, 0);
  av_opt_set_int (sws, "src_format", src, 0);
  av_opt_set_int (sws, "dst_format", dst, 0);
  av_opt_set_int (sws, "sws_flags", flags, 0);
  av_opt_set_int (sws, yuv_is_source ? "src_h_chr_pos" : "dst_h_chr_pos", (int) (ox * 256), 0);
  av_opt_set_int (sws, yuv_is_source ? "src_v_chr_pos" : "dst_v_chr_pos", (int) (oy * 256), 0);
  g_assert_cmpint (sws_init_context (sws, NULL, NULL), >=, 0);
  g_assert_cmpint (sws_setColorspaceDetails (sws, coefs, yuv_is_source ? full : 1, coefs,
                                             yuv_is_source ? 1 : full, 0, 1 << 16, 1 << 16), >=, 0);
  return sws;
}

static AVFrame *
sws_convert (struct SwsContext *sws,
             const AVFrame     *in,
             enum AVPixelFormat format)
{
  AVFrame *out = av_frame_alloc ();

  out->width = in->width;
  out->height = in->height;
  out->format = format;
  g_assert_cmpint (av_frame_get_buffer (out, 0), >=, 0);
  g_assert_cmpint (sws_scale (sws, (const uint8_t * const *) in->data, in->linesize, 0, in->height,
                              out->data, out->linesize), ==, in->height);
  return out;
}

/* Comparisons ------------------------------------------------------------------------- */

static double
psnr (double sum_sq,
      double n,
      double peak)
{
  return sum_sq <= 0 ? 99.0 : MIN (99.0, 10.0 * log10 (peak * peak * n / sum_sq));
}

typedef struct {
  const char *what;
  double      worst;
  double      worst_shift;
  char       *where;
  guint       n;
} Tally;

static void
tally (Tally      *t,
       double      p,
       double      shift,
       const char *where)
{
  if (t->n++ == 0 || p < t->worst)
    {
      t->worst = p;
      g_free (t->where);
      t->where = g_strdup (where);
    }
  t->worst_shift = MAX (t->worst_shift, shift);
  if (g_test_verbose ())
    g_test_message ("  %s, %s: %.1f dB, shift %.3f", t->what, where, p, shift);
}

static void
tally_report (Tally  *t,
              double  min_psnr,
              double  max_shift)
{
  if (t->n == 0)
    return;
  g_test_message ("  %-36s worst %5.1f dB (%s), largest mean shift %.3f codes, %u cases",
                  t->what, t->worst, t->where, t->worst_shift, t->n);
  g_assert_cmpfloat (t->worst, >, min_psnr);
  g_assert_cmpfloat (t->worst_shift, <, max_shift);
  g_free (t->where);
}

/* The planar RGB the network saw, against planar float64 RGB. */
static double
compare_rgb_ref (const float  *tensor,
                 int           tw,
                 int           th,
                 const double *ref,
                 int           w,
                 int           h)
{
  double sum = 0.0;

  for (int c = 0; c < 3; c++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        {
          double d = tensor[(gsize) c * tw * th + (gsize) y * tw + x] - ref[(gsize) c * w * h + (gsize) y * w + x];

          sum += d * d;
        }
  return psnr (sum, 3.0 * w * h, 255.0);
}

/* The planar RGB the network saw, against swscale's packed RGB24 or RGB48. */
static double
compare_rgb_packed (const float   *tensor,
                    int            tw,
                    int            th,
                    const AVFrame *ref)
{
  gboolean wide = ref->format == AV_PIX_FMT_RGB48LE;
  double sum = 0.0;

  for (int y = 0; y < ref->height; y++)
    for (int x = 0; x < ref->width; x++)
      for (int c = 0; c < 3; c++)
        {
          const uint8_t *row = ref->data[0] + (gsize) y * ref->linesize[0];
          double r = wide ? ((const uint16_t *) row)[3 * x + c] / 257.0 : row[3 * x + c];
          double d = tensor[(gsize) c * tw * th + (gsize) y * tw + x] - r;

          sum += d * d;
        }
  return psnr (sum, 3.0 * ref->width * ref->height, 255.0);
}

/* PSNR of all three planes together, and the largest mean shift of one plane. */
static double
compare_yuv (const CsYuvFormat *fmt,
             const AVFrame     *a,
             const AVFrame     *b,
             double            *max_shift)
{
  CsYuvLayout layout;
  double sum = 0.0, n = 0.0;

  cs_yuv_format_get_layout (fmt, &layout);
  *max_shift = 0.0;
  for (int p = 0; p < 3; p++)
    {
      double shift = 0.0;

      for (int y = 0; y < layout.height[p]; y++)
        for (int x = 0; x < layout.width[p]; x++)
          {
            double d = sample (a, p, x, y, fmt->bytes_per_sample) - sample (b, p, x, y, fmt->bytes_per_sample);

            sum += d * d;
            shift += d;
          }
      n += (double) layout.width[p] * layout.height[p];
      *max_shift = MAX (*max_shift, fabs (shift / ((double) layout.width[p] * layout.height[p])));
    }
  return psnr (sum, n, (double) ((1 << fmt->depth) - 1));
}

static double *
planar_rgb (const AVFrame *rgb24)
{
  int w = rgb24->width, h = rgb24->height;
  double *out = g_new (double, (gsize) 3 * w * h);

  for (int c = 0; c < 3; c++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        out[(gsize) c * w * h + (gsize) y * w + x] = rgb24->data[0][(gsize) y * rgb24->linesize[0] + 3 * x + c];
  return out;
}

/* The colour tests --------------------------------------------------------------------- */

/* For one pixel format, over test patterns, two sizes (neither a multiple of the
 * network's 4, so the tensor is larger than the frame), three matrices, both
 * ranges and the chroma sitings: YUV → RGB and RGB → YUV against the float64
 * reference and against swscale, and the round trip at degree 0. Each frame's
 * YUV is made from the pattern's RGB with the frame's own matrix and range, as
 * video is, so that its colours lie in the RGB cube. */
static void
test_colour (gconstpointer data)
{
  enum AVPixelFormat format = GPOINTER_TO_INT (data);
  const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get (format);
  gboolean wide = desc->comp[0].depth > 8;
  enum AVPixelFormat rgb_format = wide ? AV_PIX_FMT_RGB48LE : AV_PIX_FMT_RGB24;
  enum AVChromaLocation sitings[3] = { AVCHROMA_LOC_LEFT, AVCHROMA_LOC_CENTER, AVCHROMA_LOC_TOPLEFT };
  int n_sitings = desc->log2_chroma_h ? 3 : desc->log2_chroma_w ? 2 : 1;
  g_autoptr(CsNetwork) identity = NULL;
  g_autoptr(CsVideoStyler) styler = NULL;
  g_autoptr(GError) error = NULL;
  Tally rgb_ref = { "YUV->RGB against float64" }, rgb_sws = { "YUV->RGB against swscale" };
  Tally yuv_ref = { "RGB->YUV against float64" }, yuv_sws = { "RGB->YUV against swscale" };
  Tally exact = { "YUV->RGB->YUV, degree 0" }, through = { "YUV->RGB->YUV through RGB, degree 1" };
  const int sizes[2][2] = { { 170, 96 }, { 161, 93 } };

  if (!have_tools)
    {
      skip ("the ffmpeg and ffprobe programs are needed to make test patterns");
      return;
    }

  identity = scale_network (1.0f);
  styler = cs_video_styler_new_for_network (identity, "image", "styled", 4, CS_PRECISION_AUTO, &error);
  g_assert_no_error (error);

  for (guint s = 0; s < G_N_ELEMENTS (sources); s++)
    for (guint z = 0; z < G_N_ELEMENTS (sizes); z++)
      {
        int width = sizes[z][0], height = sizes[z][1];
        g_autoptr(AVFrame) rgb = pattern (sources[s], width, height, AV_PIX_FMT_RGB24);
        g_autofree double *rgb_planes = planar_rgb (rgb);

        for (guint m = 0; m < G_N_ELEMENTS (matrices); m++)
          for (int full = 0; full <= 1; full++)
            for (int k = 0; k < n_sitings; k++)
              {
                g_autofree char *where = g_strdup_printf ("%s %dx%d %s %s %s", sources[s], width, height,
                                                          matrices[m].name, full ? "full" : "limited",
                                                          av_chroma_location_name (sitings[k]));
                g_autoptr(AVFrame) yuv = NULL;
                CsYuvFormat fmt;
                int tw, th;
                gsize n;
                g_autofree float *tensor = NULL;
                double shift, p;

                g_assert_true (cs_yuv_format_init (&fmt, width, height, format, matrices[m].matrix,
                                                   full ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG, sitings[k], &error));
                g_assert_no_error (error);
                yuv = ref_rgb_to_yuv (&fmt, rgb_planes);

                /* YUV to RGB, with the border the network's size multiple adds. */
                {
                  g_autofree double *ref = ref_yuv_to_rgb (&fmt, yuv);

                  g_assert_true (cs_video_styler_configure (styler, &fmt, NULL, &error));
                  g_assert_no_error (error);
                  cs_video_styler_get_tensor_size (styler, &tw, &th);
                  g_assert_cmpint (tw, ==, (width + 3) / 4 * 4);
                  g_assert_cmpint (th, ==, (height + 3) / 4 * 4);
                  g_assert_true (cs_video_styler_upload (styler, yuv, &error));
                  g_assert_true (cs_video_styler_run (styler, 1.0, NULL, &error));
                  g_assert_no_error (error);
                  n = (gsize) 3 * tw * th;
                  tensor = g_new (float, n);
                  g_assert_true (cs_network_get_output (identity, 0, tensor, n, &error));
                  g_assert_no_error (error);

                  tally (&rgb_ref, compare_rgb_ref (tensor, tw, th, ref, width, height), 0.0, where);
                  if (sws_agrees (&fmt, TRUE))
                    {
                      struct SwsContext *sws = reference_sws (&fmt, format, rgb_format, TRUE);
                      g_autoptr(AVFrame) theirs = sws_convert (sws, yuv, rgb_format);

                      sws_freeContext (sws);
                      tally (&rgb_sws, compare_rgb_packed (tensor, tw, th, theirs), 0.0, where);
                    }

                  /* The border repeats the last column and row exactly. */
                  for (int c = 0; c < 3; c++)
                    for (int y = 0; y < th; y++)
                      for (int x = 0; x < tw; x++)
                        if (x >= width || y >= height)
                          g_assert_cmpfloat (tensor[(gsize) c * tw * th + (gsize) y * tw + x], ==,
                                             tensor[(gsize) c * tw * th + (gsize) MIN (y, height - 1) * tw +
                                                    MIN (x, width - 1)]);
                }

                /* RGB to YUV, from the pattern's RGB24. */
                {
                  g_autoptr(AVFrame) ours = NULL;
                  g_autofree float *input = g_new (float, n);

                  g_assert_true (cs_video_styler_configure (styler, NULL, &fmt, &error));
                  g_assert_no_error (error);
                  g_assert_false (cs_video_styler_blends_source_planes (styler));
                  for (int c = 0; c < 3; c++)
                    for (int y = 0; y < th; y++)
                      for (int x = 0; x < tw; x++)
                        input[(gsize) c * tw * th + (gsize) y * tw + x] =
                          rgb_planes[(gsize) c * width * height + (gsize) MIN (y, height - 1) * width + MIN (x, width - 1)];
                  g_assert_true (cs_network_set_input (identity, "image", input, n, &error));
                  g_assert_true (cs_video_styler_run (styler, 1.0, NULL, &error));
                  g_assert_no_error (error);
                  ours = cs_video_styler_download (styler);
                  g_assert_cmpint (ours->colorspace, ==, fmt.matrix);
                  g_assert_cmpint (ours->color_range, ==, fmt.range);

                  p = compare_yuv (&fmt, ours, yuv, &shift);
                  tally (&yuv_ref, p, shift, where);
                  if (sws_agrees (&fmt, FALSE))
                    {
                      struct SwsContext *sws = reference_sws (&fmt, AV_PIX_FMT_RGB24, format, FALSE);
                      g_autoptr(AVFrame) theirs = sws_convert (sws, rgb, format);

                      sws_freeContext (sws);
                      p = compare_yuv (&fmt, ours, theirs, &shift);
                  tally (&yuv_sws, p, shift, where);
                    }
                }

                /* YUV to RGB to YUV: degree 0 gives the frame back; degree 1 through
                 * the identity network goes through RGB and the chroma filters. */
                {
                  g_autoptr(AVFrame) back = NULL;
                  g_autoptr(AVFrame) through_rgb = NULL;

                  g_assert_true (cs_video_styler_configure (styler, &fmt, &fmt, &error));
                  g_assert_no_error (error);
                  g_assert_true (cs_video_styler_blends_source_planes (styler));
                  back = cs_video_styler_process (styler, yuv, 0.0, NULL, &error);
                  g_assert_no_error (error);
                  p = compare_yuv (&fmt, back, yuv, &shift);
                  tally (&exact, p, shift, where);
                  through_rgb = cs_video_styler_process (styler, yuv, 1.0, NULL, &error);
                  g_assert_no_error (error);
                  p = compare_yuv (&fmt, through_rgb, yuv, &shift);
                  tally (&through, p, shift, where);
                }
              }
      }

  g_test_message ("%s:", desc->name);
  tally_report (&rgb_ref, 50.0, 1.0);
  tally_report (&rgb_sws, 45.0, 1.0);
  tally_report (&yuv_ref, 50.0, 0.5);
  /* swscale scales 8-bit full range by 4 for 10 bits (Y' = 1 is 1020, not H.273's
   * 1023): allow that much shift, half an 8-bit code. */
  tally_report (&yuv_sws, 45.0, 0.5 * (1 << (desc->comp[0].depth - 8)));
  tally_report (&exact, 98.0, 1e-9);
  /* Informative: the path taken when the output's format differs from the
   * input's. Chroma edges lose some sharpness to the two filters, and the
   * out-of-gamut colours that upsampled chroma makes at them are clipped. */
  tally_report (&through, 30.0, 1.0 * (1 << (desc->comp[0].depth - 8)));
  check_device ();
}

/* out = (1 - d) * input + d * styled, with a network that halves its input. */
static void
test_degree_blend (void)
{
  g_autoptr(CsNetwork) half = scale_network (0.5f);
  g_autoptr(CsVideoStyler) styler = NULL;
  g_autoptr(GError) error = NULL;
  const int width = 24, height = 20;
  const double degrees[] = { 0.0, 0.25, 0.5, 1.0 };
  CsYuvFormat fmt;
  float m[3][4];
  g_autofree float *input = g_new (float, 3 * width * height);

  styler = cs_video_styler_new_for_network (half, "image", "styled", 1, CS_PRECISION_AUTO, &error);
  g_assert_no_error (error);
  g_assert_true (cs_yuv_format_init (&fmt, width, height, AV_PIX_FMT_YUV444P, AVCOL_SPC_BT709, AVCOL_RANGE_JPEG,
                                     AVCHROMA_LOC_UNSPECIFIED, &error));
  g_assert_true (cs_video_styler_configure (styler, NULL, &fmt, &error));
  g_assert_no_error (error);
  cs_yuv_format_get_from_rgb (&fmt, m);

  for (int i = 0; i < 3 * width * height; i++)
    input[i] = (float) ((i * 37) % 256);

  /* The degree changes from frame to frame without preparing again. */
  for (guint k = 0; k < G_N_ELEMENTS (degrees); k++)
    {
      g_autoptr(AVFrame) out = NULL;
      double d = degrees[k];

      g_assert_true (cs_network_set_input (half, "image", input, 3 * width * height, &error));
      g_assert_true (cs_video_styler_run (styler, d, NULL, &error));
      g_assert_no_error (error);
      out = cs_video_styler_download (styler);
      for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
          for (int p = 0; p < 3; p++)
            {
              double v = m[p][3];

              for (int c = 0; c < 3; c++)
                {
                  double in = input[c * width * height + y * width + x];
                  v += m[p][c] * ((1.0 - d) * in + d * 0.5 * in);
                }
              g_assert_cmpfloat (fabs (out->data[p][y * out->linesize[p] + x] - CLAMP (v, 0, 255)), <=, 0.51);
            }
    }

  g_assert_false (cs_video_styler_run (styler, 1.5, NULL, &error));
  g_assert_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Frames in and out of one format blend on the codes: the same blend, with
   * the original's own samples. */
  {
    g_autoptr(AVFrame) frame = av_frame_alloc ();
    float to_rgb[3][4];

    frame->width = width;
    frame->height = height;
    frame->format = AV_PIX_FMT_YUV444P;
    g_assert_cmpint (av_frame_get_buffer (frame, 0), >=, 0);
    for (int p = 0; p < 3; p++)
      for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
          frame->data[p][y * frame->linesize[p] + x] = (uint8_t) ((x * 11 + y * 7 + p * 50) % 256);
    g_assert_true (cs_video_styler_configure (styler, &fmt, &fmt, &error));
    g_assert_no_error (error);
    g_assert_true (cs_video_styler_blends_source_planes (styler));
    cs_yuv_format_get_to_rgb (&fmt, to_rgb);

    for (guint k = 0; k < G_N_ELEMENTS (degrees); k++)
      {
        g_autoptr(AVFrame) out = cs_video_styler_process (styler, frame, degrees[k], NULL, &error);
        double d = degrees[k];

        g_assert_no_error (error);
        for (int y = 0; y < height; y++)
          for (int x = 0; x < width; x++)
            {
              double yuv[3], styled[3];

              for (int p = 0; p < 3; p++)
                yuv[p] = frame->data[p][y * frame->linesize[p] + x];
              for (int c = 0; c < 3; c++)
                {
                  double v = to_rgb[c][3] + to_rgb[c][0] * yuv[0] + to_rgb[c][1] * yuv[1] + to_rgb[c][2] * yuv[2];
                  styled[c] = 0.5 * CLAMP (v, 0, 255);
                }
              for (int p = 0; p < 3; p++)
                {
                  double v = m[p][3] + m[p][0] * styled[0] + m[p][1] * styled[1] + m[p][2] * styled[2];
                  double expected = CLAMP ((1 - d) * yuv[p] + d * v, 0, 255);

                  g_assert_cmpfloat (fabs (out->data[p][y * out->linesize[p] + x] - expected), <=, 0.51);
                }
            }
      }
  }
  check_device ();
}

/* What a file leaves unspecified is filled in as players do. */
static void
test_defaults (void)
{
  CsYuvFormat fmt;
  g_autoptr(GError) error = NULL;
  float ox, oy;

  g_assert_true (cs_yuv_format_init (&fmt, 640, 480, AV_PIX_FMT_YUV420P, AVCOL_SPC_UNSPECIFIED,
                                     AVCOL_RANGE_UNSPECIFIED, AVCHROMA_LOC_UNSPECIFIED, &error));
  g_assert_cmpint (fmt.matrix, ==, AVCOL_SPC_SMPTE170M);
  g_assert_cmpint (fmt.range, ==, AVCOL_RANGE_MPEG);
  g_assert_cmpint (fmt.siting, ==, AVCHROMA_LOC_LEFT);
  cs_yuv_format_get_chroma_origin (&fmt, &ox, &oy);
  g_assert_cmpfloat (ox, ==, 0.0f);
  g_assert_cmpfloat (oy, ==, 0.5f);

  g_assert_true (cs_yuv_format_init (&fmt, 1280, 720, AV_PIX_FMT_YUVJ420P, AVCOL_SPC_UNSPECIFIED,
                                     AVCOL_RANGE_UNSPECIFIED, AVCHROMA_LOC_UNSPECIFIED, &error));
  g_assert_cmpint (fmt.matrix, ==, AVCOL_SPC_BT709);
  g_assert_cmpint (fmt.range, ==, AVCOL_RANGE_JPEG);
  g_assert_cmpint (fmt.siting, ==, AVCHROMA_LOC_CENTER);

  g_assert_true (cs_yuv_format_init (&fmt, 64, 64, AV_PIX_FMT_YUV422P10LE, AVCOL_SPC_BT2020_NCL,
                                     AVCOL_RANGE_MPEG, AVCHROMA_LOC_LEFT, &error));
  g_assert_cmpint (fmt.depth, ==, 10);
  g_assert_cmpint (fmt.bytes_per_sample, ==, 2);
  cs_yuv_format_get_chroma_origin (&fmt, &ox, &oy);
  g_assert_cmpfloat (oy, ==, 0.0f);

  g_assert_false (cs_yuv_format_init (&fmt, 64, 64, AV_PIX_FMT_NV12, AVCOL_SPC_BT709,
                                      AVCOL_RANGE_MPEG, AVCHROMA_LOC_LEFT, &error));
  g_assert_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_UNSUPPORTED_FORMAT);
  g_clear_error (&error);
  g_assert_false (cs_yuv_format_is_supported (AV_PIX_FMT_RGB24));
  g_assert_false (cs_yuv_format_is_supported (AV_PIX_FMT_YUV420P10BE));
  g_assert_true (cs_yuv_format_is_supported (AV_PIX_FMT_YUV444P12LE));
}

/* Whole renders -------------------------------------------------------------------------- */

static CsStyle *
get_udnie (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *checkpoint = NULL;
  g_autofree char *folder = NULL;

  if (udnie_tried)
    {
      if (udnie == NULL)
        skip ("the udnie checkpoint is missing from the shared test data");
      return udnie;
    }
  udnie_tried = TRUE;
  if (data_dir == NULL)
    {
      skip ("shared test data not found; set CELSHADE_TEST_DATA to the folder holding styles/ml5/udnie");
      return NULL;
    }
  checkpoint = g_build_filename (data_dir, "styles", "ml5", "udnie", NULL);
  if (!g_file_test (checkpoint, G_FILE_TEST_IS_DIR))
    {
      skip ("%s is missing from the shared test data", checkpoint);
      return NULL;
    }
  folder = tmp_file ("udnie-style");
  {
    CsFstImportOptions options = { .device = device };

    g_assert_true (cs_fst_import_with_options (checkpoint, folder, &options, NULL, &error));
    g_assert_no_error (error);
  }
  udnie = cs_style_new_from_folder (folder, &error);
  g_assert_no_error (error);
  return udnie;
}

static char *
data_clip (const char *name)
{
  char *path;

  if (data_dir == NULL)
    {
      skip ("shared test data not found; set CELSHADE_TEST_DATA to the folder holding media/%s", name);
      return NULL;
    }
  path = g_build_filename (data_dir, "media", name, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      skip ("%s is missing from the shared test data", path);
      g_clear_pointer (&path, g_free);
    }
  return path;
}

static char *
made_clip (const char *name,
           const char *args)
{
  char *path = tmp_file (name);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    ffmpeg (args, path);
  return path;
}

typedef struct {
  const char *clip;        /* in the shared data, or NULL for a lavfi clip */
  const char *lavfi_name;
  const char *lavfi_args;
  const char *output;      /* file name, with the container's extension */
  double      from;        /* seconds from the first frame */
  double      to;          /* -1: the end */
  gboolean    styled;      /* udnie at degree 1, else degree 0 */
  CsVideoCodec codec;
  gboolean    lossless_check; /* compare decoded frames with the source's */
  const char *pixel_format;   /* expected in the output, or NULL */
} RenderCase;

static void
progress_cb (CsClipRenderer *renderer,
             double          fraction,
             double          eta,
             gpointer        user_data)
{
  double *last = user_data;

  g_assert_cmpfloat (fraction, >=, *last);
  g_assert_cmpfloat (fraction, <=, 1.0);
  *last = fraction;
}

/* Decoded frames of the output against the source's frames of the range:
 * unstyled, they must be the source's colours; styled, far from them. */
static void
compare_with_source (const char *source,
                     gint64      first,
                     const char *output,
                     gint64      n,
                     gboolean    styled)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsDecoder) a = cs_decoder_new (source, NULL, &error);
  g_autoptr(CsDecoder) b = cs_decoder_new (output, NULL, &error);
  double worst = 99.0, best = 0.0, worst_shift = 0.0;

  g_assert_no_error (error);
  for (gint64 i = 0; i < n; i++)
    {
      g_autoptr(CsFrame) fa = i == 0 ? cs_decoder_seek_frame (a, first, NULL, &error)
                                     : cs_decoder_next_frame (a, NULL, &error);
      g_autoptr(CsFrame) fb = cs_decoder_next_frame (b, NULL, &error);
      CsYuvFormat fmt;
      double shift, p;

      g_assert_no_error (error);
      g_assert_nonnull (fa);
      g_assert_nonnull (fb);
      g_assert_cmpint (cs_frame_get_format (fa), ==, cs_frame_get_format (fb));
      g_assert_true (cs_yuv_format_init_from_frame (&fmt, cs_frame_get_av_frame (fa), &error));
      p = compare_yuv (&fmt, cs_frame_get_av_frame (fa), cs_frame_get_av_frame (fb), &shift);
      worst = MIN (worst, p);
      best = MAX (best, p);
      worst_shift = MAX (worst_shift, shift);
    }
  g_test_message ("%s against the source: PSNR %.1f to %.1f dB, largest mean shift %.3f codes",
                  styled ? "styled" : "degree 0", worst, best, worst_shift);
  if (styled)
    g_assert_cmpfloat (best, <, 30.0);
  else
    {
      g_assert_cmpfloat (worst, >, 45.0);
      g_assert_cmpfloat (worst_shift, <, 0.5);
    }
}

static void
test_render (gconstpointer data)
{
  const RenderCase *rc = data;
  g_autofree char *source = NULL;
  g_autofree char *output = NULL;
  g_autoptr(CsClipRenderer) renderer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) in_probe = NULL;
  g_autoptr(JsonNode) out_probe = NULL;
  g_autoptr(GPtrArray) in_video = NULL;
  g_autoptr(GPtrArray) in_audio = NULL;
  g_autoptr(GPtrArray) out_video = NULL;
  g_autoptr(GPtrArray) out_audio = NULL;
  g_autoptr(GArray) times = NULL;
  g_autoptr(GBytes) sum_before = NULL;
  g_autoptr(GBytes) sum_after = NULL;
  const CsRenderStats *st;
  JsonObject *vs;
  AVRational in_rate, out_rate;
  gint64 first = 0, end, expected;
  double last_progress = 0.0, frame_s, duration;
  CsStyle *style = NULL;
  gboolean ok;

  if (!have_tools)
    {
      skip ("the ffmpeg and ffprobe programs are needed to make and check clips");
      return;
    }
  source = rc->clip != NULL ? data_clip (rc->clip) : made_clip (rc->lavfi_name, rc->lavfi_args);
  if (source == NULL)
    return;
  if (rc->styled && (style = get_udnie ()) == NULL)
    return;
  if (!cs_encoder_codec_available (rc->codec == CS_VIDEO_CODEC_AUTO ? CS_VIDEO_CODEC_H264 : rc->codec))
    {
      skip ("this FFmpeg lacks the encoder the test needs");
      return;
    }

  /* What the range holds, by ffprobe's packet timestamps. */
  times = video_times (source);
  g_assert_cmpuint (times->len, >, 0);
  {
    double origin = g_array_index (times, double, 0);

    for (guint i = 0; i < times->len; i++)
      if (g_array_index (times, double, i) <= origin + rc->from + 1e-6)
        first = i;
    end = times->len;
    if (rc->to >= 0)
      for (guint i = times->len; i-- > 0;)
        if (g_array_index (times, double, i) >= origin + rc->to - 1e-6)
          end = i;
  }
  expected = end - first;
  g_assert_cmpint (expected, >, 0);

  sum_before = file_checksum (source);
  output = tmp_file (rc->output);
  g_unlink (output);
  renderer = cs_clip_renderer_new (source, output);
  cs_clip_renderer_set_device (renderer, device);
  cs_clip_renderer_set_style (renderer, style);
  cs_clip_renderer_set_degree (renderer, rc->styled ? 1.0 : 0.0);
  cs_clip_renderer_set_range (renderer, (gint64) (rc->from * G_USEC_PER_SEC),
                              rc->to >= 0 ? (gint64) (rc->to * G_USEC_PER_SEC) : -1);
  cs_clip_renderer_set_video_codec (renderer, rc->codec);
  cs_clip_renderer_set_progress_func (renderer, progress_cb, &last_progress, NULL);
  ok = cs_clip_renderer_run (renderer, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpfloat (last_progress, ==, 1.0);
  g_assert_cmpint (cs_clip_renderer_get_n_frames (renderer), ==, expected);

  st = cs_clip_renderer_get_stats (renderer);
  g_assert_cmpint (st->frames, ==, expected);
  g_test_message ("%s -> %s (%s): %" G_GINT64_FORMAT " frames in %.2f s: setup %.2f, decode wait %.2f, "
                  "upload %.3f, GPU %.2f (%.0f ms a frame), download %.3f, encode wait %.2f",
                  rc->clip != NULL ? rc->clip : rc->lavfi_name, rc->output,
                  cs_clip_renderer_get_output_format (renderer), st->frames, st->wall, st->setup,
                  st->decode, st->upload, st->gpu, 1000 * st->gpu / st->frames, st->download, st->encode);
  g_assert_cmpfloat (st->decode + st->upload + st->gpu + st->download + st->encode, <=, st->wall - st->setup + 0.01);

  /* The output, as ffprobe sees it, against the source. */
  in_probe = ffprobe (source);
  out_probe = ffprobe (output);
  in_video = streams_of_type (in_probe, "video");
  in_audio = streams_of_type (in_probe, "audio");
  out_video = streams_of_type (out_probe, "video");
  out_audio = streams_of_type (out_probe, "audio");
  g_assert_cmpuint (out_video->len, ==, 1);
  g_assert_cmpuint (out_audio->len, ==, in_audio->len);
  vs = out_video->pdata[0];
  g_assert_cmpint (json_double (vs, "nb_read_frames"), ==, expected);
  g_assert_cmpint (json_object_get_int_member (vs, "width"), ==,
                   json_object_get_int_member (in_video->pdata[0], "width"));
  g_assert_cmpint (json_object_get_int_member (vs, "height"), ==,
                   json_object_get_int_member (in_video->pdata[0], "height"));
  in_rate = json_ratio (in_video->pdata[0], "r_frame_rate");
  out_rate = json_ratio (vs, "r_frame_rate");
  g_assert_cmpint (av_cmp_q (in_rate, out_rate), ==, 0);
  if (rc->pixel_format != NULL)
    g_assert_cmpstr (json_object_get_string_member (vs, "pix_fmt"), ==, rc->pixel_format);

  frame_s = av_q2d (av_inv_q (in_rate));
  duration = json_double (json_object_get_object_member (json_node_get_object (out_probe), "format"), "duration");
  g_test_message ("duration %.4f s for %" G_GINT64_FORMAT " frames of %.4f s", duration, expected, frame_s);
  g_assert_cmpfloat (fabs (duration - expected * frame_s), <=, frame_s + 1e-3);
  for (guint i = 0; i < out_audio->len; i++)
    {
      double ad = json_double (out_audio->pdata[i], "duration");

      if (ad < 0)
        ad = matroska_duration (out_audio->pdata[i]);
      g_test_message ("audio stream %u: %s, %.4f s", i,
                      json_object_get_string_member (out_audio->pdata[i], "codec_name"), ad);
      if (ad >= 0)
        {
          /* The range's audio, cut where the video ends. */
          g_assert_cmpfloat (ad, <=, expected * frame_s + frame_s);
          g_assert_cmpfloat (ad, >=, expected * frame_s - 0.1);
        }
    }

  /* The source is untouched, and no temporary file is left. */
  sum_after = file_checksum (source);
  g_assert_true (g_bytes_equal (sum_before, sum_after));
  g_assert_cmpuint (count_partial_files (tmp_dir), ==, 0);

  if (rc->lossless_check || rc->styled)
    compare_with_source (source, first, output, expected, rc->styled);
  check_device ();
}

static const char ntsc_args[] =
  "-f lavfi -i testsrc2=size=128x96:rate=24000/1001 -f lavfi -i sine=frequency=440:sample_rate=48000 "
  "-t 2 -c:v libx264 -preset veryfast -g 24 -bf 2 -pix_fmt yuv420p -c:a aac -shortest";

static const RenderCase render_cases[] = {
  { .clip = "651.mp4", .output = "651-udnie.mp4", .from = 0.52, .to = 0.70, .styled = TRUE,
    .pixel_format = "yuv420p" },
  { .clip = "529.mp4", .output = "529-udnie.mkv", .from = 1.01, .to = 1.15, .styled = TRUE },
  { .clip = "tears_of_steel.webm", .output = "tears-udnie.webm", .from = 1.0, .to = 1.15, .styled = TRUE },
  { .lavfi_name = "ntsc-aac.mp4", .lavfi_args = ntsc_args, .output = "ntsc-udnie.mp4", .from = 0.5, .to = 1.0,
    .styled = TRUE },
  /* Degree 0, the whole clip, into a lossless file: the colours come back. */
  { .lavfi_name = "ntsc-aac.mp4", .lavfi_args = ntsc_args, .output = "ntsc-degree0.mkv", .from = 0, .to = -1,
    .codec = CS_VIDEO_CODEC_FFV1, .lossless_check = TRUE, .pixel_format = "yuv420p" },
  { .lavfi_name = "smpte-422-10.mkv",
    .lavfi_args = "-f lavfi -i smptehdbars=size=96x64:rate=25 -t 1 -c:v ffv1 -pix_fmt yuv422p10le",
    .output = "smpte-422-10-degree0.mkv", .from = 0.2, .to = 0.6, .codec = CS_VIDEO_CODEC_FFV1,
    .lossless_check = TRUE, .pixel_format = "yuv422p10le" },
};

static void
cancel_progress (CsClipRenderer *renderer,
                 double          fraction,
                 double          eta,
                 gpointer        user_data)
{
  GCancellable *cancellable = user_data;

  if (fraction > 0.1)
    g_cancellable_cancel (cancellable);
}

static void
test_cancel (void)
{
  g_autofree char *source = NULL;
  g_autofree char *output = NULL;
  g_autofree char *kept = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  if (!have_tools)
    {
      skip ("the ffmpeg and ffprobe programs are needed to make clips");
      return;
    }
  source = made_clip ("ntsc-aac.mp4", ntsc_args);

  /* A render cancelled part way leaves no file. */
  output = tmp_file ("cancelled.mp4");
  g_unlink (output);
  {
    g_autoptr(CsClipRenderer) renderer = cs_clip_renderer_new (source, output);

    cs_clip_renderer_set_device (renderer, device);
    cs_clip_renderer_set_degree (renderer, 0.0);
    cs_clip_renderer_set_progress_func (renderer, cancel_progress, cancellable, NULL);
    g_assert_false (cs_clip_renderer_run (renderer, cancellable, &error));
    g_assert_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_cmpint (cs_clip_renderer_get_stats (renderer)->frames, <, cs_clip_renderer_get_n_frames (renderer));
    g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
    g_assert_cmpuint (count_partial_files (tmp_dir), ==, 0);
  }

  /* And an existing file stays as it was. */
  kept = tmp_file ("kept.mp4");
  g_assert_true (g_file_set_contents (kept, "keep me", -1, NULL));
  g_cancellable_reset (cancellable);
  {
    g_autoptr(CsClipRenderer) renderer = cs_clip_renderer_new (source, kept);

    cs_clip_renderer_set_device (renderer, device);
    cs_clip_renderer_set_degree (renderer, 0.0);
    cs_clip_renderer_set_progress_func (renderer, cancel_progress, cancellable, NULL);
    g_assert_false (cs_clip_renderer_run (renderer, cancellable, &error));
    g_assert_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_true (g_file_get_contents (kept, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "keep me");
    g_assert_cmpuint (count_partial_files (tmp_dir), ==, 0);
  }

  /* Cancelled before it starts. */
  {
    g_autoptr(CsClipRenderer) renderer = cs_clip_renderer_new (source, output);

    cs_clip_renderer_set_device (renderer, device);
    g_assert_false (cs_clip_renderer_run (renderer, cancellable, &error));
    g_assert_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
  }
  check_device ();
}

static void
expect_failure (const char *source,
                const char *output,
                gint64      from_us,
                gint64      to_us,
                double      degree,
                GQuark      domain,
                int         code)
{
  g_autoptr(CsClipRenderer) renderer = cs_clip_renderer_new (source, output);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = g_file_test (source, G_FILE_TEST_EXISTS) ? file_checksum (source) : NULL;

  cs_clip_renderer_set_device (renderer, device);
  cs_clip_renderer_set_degree (renderer, degree);
  cs_clip_renderer_set_range (renderer, from_us, to_us);
  g_assert_false (cs_clip_renderer_run (renderer, NULL, &error));
  g_test_message ("%s -> %s: %s", source, output, error->message);
  g_assert_error (error, domain, code);
  if (before != NULL)
    {
      g_autoptr(GBytes) after = file_checksum (source);

      g_assert_true (g_bytes_equal (before, after));
    }
  if (g_strcmp0 (source, output) != 0)
    g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_partial_files (tmp_dir), ==, 0);

  /* A renderer runs once. */
  g_clear_error (&error);
  g_assert_false (cs_clip_renderer_run (renderer, NULL, &error));
  g_assert_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT);
}

static void
test_bad_arguments (void)
{
  g_autofree char *source = NULL;
  g_autofree char *missing_folder = NULL;
  g_autofree char *no_extension = NULL;
  g_autofree char *ok = NULL;
  g_autofree char *missing = NULL;

  if (!have_tools)
    {
      skip ("the ffmpeg and ffprobe programs are needed to make clips");
      return;
    }
  source = made_clip ("ntsc-aac.mp4", ntsc_args);
  missing_folder = tmp_file ("no-such-folder/out.mp4");
  no_extension = tmp_file ("out.xyz");
  ok = tmp_file ("never.mp4");
  missing = tmp_file ("no-such-clip.mp4");

  expect_failure (source, missing_folder, 0, -1, 0.0, CS_MEDIA_ERROR, CS_MEDIA_ERROR_WRITE);
  expect_failure (source, no_extension, 0, -1, 0.0, CS_MEDIA_ERROR, CS_MEDIA_ERROR_UNSUPPORTED_FORMAT);
  expect_failure (source, source, 0, -1, 0.0, CS_MEDIA_ERROR, CS_MEDIA_ERROR_SAME_FILE);
  expect_failure (missing, ok, 0, -1, 0.0, CS_MEDIA_ERROR, CS_MEDIA_ERROR_NOT_FOUND);
  expect_failure (source, ok, 0, -1, 1.5, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT);
  expect_failure (source, ok, G_USEC_PER_SEC, G_USEC_PER_SEC / 2, 0.0, CS_RENDER_ERROR,
                  CS_RENDER_ERROR_INVALID_ARGUMENT);
  expect_failure (source, ok, 60 * G_USEC_PER_SEC, -1, 0.0, CS_RENDER_ERROR, CS_RENDER_ERROR_EMPTY_RANGE);
  check_device ();
}

typedef struct {
  gboolean done;
  gboolean ok;
  GError  *error;
} AsyncResult;

static void
on_async_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncResult *r = user_data;

  r->ok = cs_clip_renderer_run_finish (CS_CLIP_RENDERER (object), result, &r->error);
  r->done = TRUE;
}

static void
test_async (void)
{
  g_autofree char *source = NULL;
  g_autofree char *output = NULL;
  g_autoptr(CsClipRenderer) renderer = NULL;
  AsyncResult r = { FALSE, FALSE, NULL };

  if (!have_tools)
    {
      skip ("the ffmpeg and ffprobe programs are needed to make clips");
      return;
    }
  source = made_clip ("ntsc-aac.mp4", ntsc_args);
  output = tmp_file ("async.mkv");
  g_unlink (output);
  renderer = cs_clip_renderer_new (source, output);
  cs_clip_renderer_set_device (renderer, device);
  cs_clip_renderer_set_degree (renderer, 0.0);
  cs_clip_renderer_set_range (renderer, 0, G_USEC_PER_SEC / 2);
  cs_clip_renderer_set_audio (renderer, FALSE);
  cs_clip_renderer_run_async (renderer, NULL, on_async_done, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_true (g_file_test (output, G_FILE_TEST_IS_REGULAR));
  {
    g_autoptr(JsonNode) probe = ffprobe (output);
    g_autoptr(GPtrArray) audio = streams_of_type (probe, "audio");

    g_assert_cmpuint (audio->len, ==, 0);
  }
  check_device ();
}

/* A scaled output: the styled frames (degree 0 here, so the source's own)
 * at the size asked, against the ffmpeg CLI's bicubic scaling of the same
 * frames; sizes the codec cannot take are refused and leave nothing. */
static void
test_output_size (void)
{
  g_autofree char *source = NULL;
  g_autofree char *output = NULL;
  g_autofree char *reference = NULL;
  g_autofree char *odd = NULL;
  g_autofree char *args = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsDecoder) a = NULL;
  g_autoptr(CsDecoder) b = NULL;
  gint64 n;
  double worst = 99.0;

  if (!have_tools)
    {
      skip ("the ffmpeg and ffprobe programs are needed to make clips");
      return;
    }
  source = made_clip ("ntsc-aac.mp4", ntsc_args);
  output = tmp_file ("scaled.mkv");
  reference = tmp_file ("scaled-reference.mkv");
  g_unlink (output);
  {
    g_autoptr(CsClipRenderer) renderer = cs_clip_renderer_new (source, output);

    cs_clip_renderer_set_device (renderer, device);
    cs_clip_renderer_set_degree (renderer, 0.0);
    cs_clip_renderer_set_range (renderer, 0, G_USEC_PER_SEC / 2);
    cs_clip_renderer_set_video_codec (renderer, CS_VIDEO_CODEC_FFV1);
    cs_clip_renderer_set_output_size (renderer, 64, 48);
    g_assert_true (cs_clip_renderer_run (renderer, NULL, &error));
    g_assert_no_error (error);
    n = cs_clip_renderer_get_n_frames (renderer);
    g_assert_cmpint (n, >, 5);
  }
  {
    g_autoptr(JsonNode) probe = ffprobe (output);
    g_autoptr(GPtrArray) video = streams_of_type (probe, "video");
    g_autoptr(GPtrArray) audio = streams_of_type (probe, "audio");

    g_assert_cmpuint (video->len, ==, 1);
    g_assert_cmpint (json_object_get_int_member (video->pdata[0], "width"), ==, 64);
    g_assert_cmpint (json_object_get_int_member (video->pdata[0], "height"), ==, 48);
    g_assert_cmpuint (audio->len, ==, 1);
  }

  args = g_strdup_printf ("-i %s -frames:v %" G_GINT64_FORMAT " -an -vf scale=64:48:flags=bicubic "
                          "-c:v ffv1 -pix_fmt yuv420p", source, n);
  ffmpeg (args, reference);
  a = cs_decoder_new (reference, NULL, &error);
  g_assert_no_error (error);
  b = cs_decoder_new (output, NULL, &error);
  g_assert_no_error (error);
  for (gint64 i = 0; i < n; i++)
    {
      g_autoptr(CsFrame) fa = cs_decoder_next_frame (a, NULL, &error);
      g_autoptr(CsFrame) fb = cs_decoder_next_frame (b, NULL, &error);
      CsYuvFormat fmt;
      double shift;

      g_assert_no_error (error);
      g_assert_nonnull (fa);
      g_assert_nonnull (fb);
      g_assert_cmpint (cs_frame_get_format (fa), ==, cs_frame_get_format (fb));
      g_assert_true (cs_yuv_format_init_from_frame (&fmt, cs_frame_get_av_frame (fa), &error));
      worst = MIN (worst, compare_yuv (&fmt, cs_frame_get_av_frame (fa), cs_frame_get_av_frame (fb), &shift));
    }
  g_test_message ("scaled to 64×48 against ffmpeg's scaling: worst PSNR %.1f dB", worst);
  g_assert_cmpfloat (worst, >, 40.0);

  /* 4:2:0 needs even sides; a half-given size is no size. */
  odd = tmp_file ("odd.mp4");
  for (int k = 0; k < 2; k++)
    {
      g_autoptr(CsClipRenderer) renderer = cs_clip_renderer_new (source, odd);

      cs_clip_renderer_set_device (renderer, device);
      cs_clip_renderer_set_degree (renderer, 0.0);
      cs_clip_renderer_set_output_size (renderer, k == 0 ? 63 : 0, 48);
      g_assert_false (cs_clip_renderer_run (renderer, NULL, &error));
      g_test_message ("%s", error->message);
      if (k == 0)
        g_assert_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT);
      else
        g_assert_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (g_file_test (odd, G_FILE_TEST_EXISTS));
    }
  g_assert_cmpuint (count_partial_files (tmp_dir), ==, 0);
  check_device ();
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ffmpeg_path = NULL;
  g_autofree char *ffprobe_path = NULL;
  const char *env = g_getenv ("CELSHADE_TEST_DATA");
  const enum AVPixelFormat formats[] = {
    AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P,
    AV_PIX_FMT_YUV420P10LE, AV_PIX_FMT_YUV422P10LE, AV_PIX_FMT_YUV444P10LE,
  };
  int ret;

  g_test_init (&argc, &argv, NULL);

  data_dir = g_strdup (env != NULL ? env : CS_SOURCE_DIR "/../shared/data");
  if (!g_file_test (data_dir, G_FILE_TEST_IS_DIR))
    g_clear_pointer (&data_dir, g_free);
  ffmpeg_path = g_find_program_in_path ("ffmpeg");
  ffprobe_path = g_find_program_in_path ("ffprobe");
  have_tools = ffmpeg_path != NULL && ffprobe_path != NULL;
  tmp_dir = g_dir_make_tmp ("celshade-render-XXXXXX", &error);
  g_assert_no_error (error);

  device = cs_device_new (NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/render/colour/defaults", test_defaults);
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *path = g_strdup_printf ("/render/colour/%s", av_get_pix_fmt_name (formats[i]));

      g_test_add_data_func (path, GINT_TO_POINTER (formats[i]), test_colour);
    }
  g_test_add_func ("/render/colour/degree-blend", test_degree_blend);
  for (guint i = 0; i < G_N_ELEMENTS (render_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/render/clip/%s", render_cases[i].output);

      g_test_add_data_func (path, &render_cases[i], test_render);
    }
  g_test_add_func ("/render/clip/cancel", test_cancel);
  g_test_add_func ("/render/clip/bad-arguments", test_bad_arguments);
  g_test_add_func ("/render/clip/async", test_async);
  g_test_add_func ("/render/clip/output-size", test_output_size);

  ret = g_test_run ();

  g_clear_object (&udnie);
  g_clear_object (&device);
  cs_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (data_dir);
  return ret;
}
