/* test-style-thumbnailer.c: the style gallery's pictures (render layer)
 *
 * Two styles imported from the shared checkpoints and the shared clip: the
 * original picture is the clip's frame as the decoder's own thumbnail gives
 * it, each styled picture is the stylizer's output on that picture, the
 * styles give different pictures, the newest request is served first, the
 * cache answers at once, pending requests can be dropped, and a style that
 * cannot run or a clip that cannot be opened is reported, not fatal. A
 * VToonify-D style gets a picture per reference and face rectangle.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cs-media.h"
#include "cs-render.h"
#include "cs-style-thumbnailer.h"
#include "cs-styles.h"
#include "cs-test.h"
#include "cs-vtoonify.h"

/* Small pictures keep the test quick on lavapipe. */
#define HEIGHT 64

static char *data_dir;
static char *tmp_dir;
static char *clip;
static CsStyle *udnie;
static CsStyle *wave;

typedef struct {
  char   *key;
  gint64  frame;
  GBytes *pixels;  /* NULL for a failure */
  int     width;
  int     height;
  char   *message;
} Got;

static void
got_free (Got *g)
{
  g_free (g->key);
  g_clear_pointer (&g->pixels, g_bytes_unref);
  g_free (g->message);
  g_free (g);
}

static void
on_ready (CsStyleThumbnailer *thumbnailer,
          const char         *key,
          gint64              frame,
          GBytes             *pixels,
          int                 width,
          int                 height,
          GPtrArray          *got)
{
  Got *g = g_new0 (Got, 1);

  g->key = g_strdup (key);
  g->frame = frame;
  g->pixels = g_bytes_ref (pixels);
  g->width = width;
  g->height = height;
  g_ptr_array_add (got, g);
}

static void
on_failed (CsStyleThumbnailer *thumbnailer,
           const char         *key,
           gint64              frame,
           const char         *message,
           GPtrArray          *got)
{
  Got *g = g_new0 (Got, 1);

  g->key = g_strdup (key);
  g->frame = frame;
  g->message = g_strdup (message);
  g_ptr_array_add (got, g);
}

static CsStyleThumbnailer *
new_thumbnailer (GPtrArray **got)
{
  CsStyleThumbnailer *t = cs_style_thumbnailer_new (NULL, CS_PRECISION_FP32);

  *got = g_ptr_array_new_with_free_func ((GDestroyNotify) got_free);
  cs_style_thumbnailer_set_height (t, HEIGHT);
  cs_style_thumbnailer_set_clip (t, clip);
  g_signal_connect (t, "thumbnail-ready", G_CALLBACK (on_ready), *got);
  g_signal_connect (t, "thumbnail-failed", G_CALLBACK (on_failed), *got);
  return t;
}

static void
wait_for (GPtrArray *got,
          guint      n)
{
  gint64 deadline = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;

  while (got->len < n)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %u pictures (have %u)", n, got->len);
      g_main_context_iteration (NULL, TRUE);
    }
}

static Got *
find_got (GPtrArray  *got,
          const char *key,
          gint64      frame)
{
  for (guint i = 0; i < got->len; i++)
    {
      Got *g = g_ptr_array_index (got, i);

      if (g_strcmp0 (g->key, key) == 0 && g->frame == frame)
        return g;
    }
  return NULL;
}

/* Mean absolute difference over the colour channels of two RGBA pictures. */
static double
mean_diff (GBytes *a,
           GBytes *b)
{
  gsize na, nb;
  const guint8 *pa = g_bytes_get_data (a, &na);
  const guint8 *pb = g_bytes_get_data (b, &nb);
  double sum = 0;

  g_assert_cmpuint (na, ==, nb);
  for (gsize i = 0; i < na; i += 4)
    for (int c = 0; c < 3; c++)
      sum += fabs ((double) pa[i + c] - pb[i + c]);
  return sum / (na / 4 * 3);
}

/* RGBA pixels as a planar image, and back (rounded, opaque), through
 * gdk-pixbuf rather than the thumbnailer's own conversion. */
static CsImage *
rgba_to_image (GBytes *pixels, int width, int height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_bytes (pixels, GDK_COLORSPACE_RGB, TRUE, 8, width, height,
                                                            width * 4);

  return cs_image_new_from_pixbuf (pixbuf);
}

static GBytes *
rgba_from_image (const CsImage *image)
{
  g_autoptr(GdkPixbuf) rgb = cs_image_to_pixbuf (image);
  g_autoptr(GdkPixbuf) rgba = gdk_pixbuf_add_alpha (rgb, FALSE, 0, 0, 0);

  g_assert_cmpint (gdk_pixbuf_get_rowstride (rgba), ==, image->width * 4);
  return g_bytes_new (gdk_pixbuf_read_pixels (rgba), (gsize) image->width * 4 * image->height);
}

static gboolean
need_data (void)
{
  if (udnie == NULL || wave == NULL || !g_file_test (clip, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the shared test data (media/529.mp4, styles/ml5) is missing; set CELSHADE_TEST_DATA");
      return FALSE;
    }
  return TRUE;
}

/* Tests ------------------------------------------------------------------------------------- */

static void
test_pictures (void)
{
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(CsStyleThumbnailer) t = NULL;
  g_autoptr(CsDecoder) decoder = NULL;
  g_autoptr(GBytes) reference = NULL;
  g_autoptr(GBytes) cached = NULL;
  g_autoptr(CsDevice) device = NULL;
  g_autoptr(CsStylizer) stylizer = NULL;
  g_autoptr(CsImage) input = NULL;
  g_autoptr(CsImage) expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimer) timer = NULL;
  Got *original, *a, *b;
  int ref_width, cached_width = 0, cached_height = 0;
  double d_orig, d_styles, d_stylizer = 0;
  const guint8 *px;

  if (!need_data ())
    return;

  t = new_thumbnailer (&got);
  /* Frame 0 is a keyframe, so the decoder's quick thumbnail is that frame. */
  timer = g_timer_new ();
  cs_style_thumbnailer_request (t, NULL, 0);
  cs_style_thumbnailer_request (t, udnie, 0);
  cs_style_thumbnailer_request (t, wave, 0);
  wait_for (got, 3);
  /* Informative only: the first pictures open the clip and the device and
   * prepare each network. */
  g_test_message ("first three pictures (%d px high): %.2f s", HEIGHT, g_timer_elapsed (timer, NULL));
  g_assert_cmpuint (cs_style_thumbnailer_get_n_pending (t), ==, 0);

  original = find_got (got, "", 0);
  a = find_got (got, cs_style_get_folder (udnie), 0);
  b = find_got (got, cs_style_get_folder (wave), 0);
  g_assert_nonnull (original);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_nonnull (original->pixels);
  g_assert_nonnull (a->pixels);
  g_assert_nonnull (b->pixels);

  decoder = cs_decoder_new (clip, NULL, &error);
  g_assert_no_error (error);
  reference = cs_decoder_get_thumbnail (decoder, 0, HEIGHT, &ref_width, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (original->height, ==, HEIGHT);
  g_assert_cmpint (abs (original->width - ref_width), <=, 1);
  g_assert_cmpint (a->width, ==, original->width);
  g_assert_cmpint (a->height, ==, original->height);
  if (original->width == ref_width)
    {
      d_orig = mean_diff (original->pixels, reference);
      g_test_message ("original vs. the decoder's thumbnail: mean |Δ| %.2f", d_orig);
      g_assert_cmpfloat (d_orig, <, 4.0);
    }

  /* Each styled picture is the style's network on the original picture. */
  device = cs_device_new (NULL, &error);
  g_assert_no_error (error);
  stylizer = cs_stylizer_new (udnie, device, CS_PRECISION_FP32, &error);
  g_assert_no_error (error);
  input = cs_image_new (original->width, original->height, &error);
  g_assert_no_error (error);
  px = g_bytes_get_data (original->pixels, NULL);
  for (gsize i = 0; i < cs_image_plane_size (input); i++)
    for (int c = 0; c < 3; c++)
      input->data[c * cs_image_plane_size (input) + i] = px[i * 4 + c];
  expected = cs_stylizer_run (stylizer, input, 1.0, NULL, &error);
  g_assert_no_error (error);
  px = g_bytes_get_data (a->pixels, NULL);
  for (gsize i = 0; i < cs_image_plane_size (expected); i++)
    for (int c = 0; c < 3; c++)
      d_stylizer = MAX (d_stylizer, fabs (CLAMP (expected->data[c * cs_image_plane_size (expected) + i], 0, 255)
                                          - px[i * 4 + c]));
  g_test_message ("styled vs. the stylizer: max |Δ| %.2f", d_stylizer);
  g_assert_cmpfloat (d_stylizer, <=, 1.0);

  d_styles = mean_diff (a->pixels, b->pixels);
  g_test_message ("udnie vs. wave: mean |Δ| %.2f; udnie vs. original %.2f", d_styles,
                  mean_diff (a->pixels, original->pixels));
  g_assert_cmpfloat (d_styles, >, 10.0);
  g_assert_cmpfloat (mean_diff (a->pixels, original->pixels), >, 10.0);

  /* The cache answers at once, and from the main loop. */
  cached = cs_style_thumbnailer_lookup (t, udnie, 0, &cached_width, &cached_height);
  g_assert_nonnull (cached);
  g_assert_true (g_bytes_equal (cached, a->pixels));
  g_assert_cmpint (cached_width, ==, a->width);
  g_assert_cmpint (cached_height, ==, a->height);
  g_assert_null (cs_style_thumbnailer_lookup (t, udnie, 1, NULL, NULL));
  cs_style_thumbnailer_request (t, wave, 0);
  g_assert_cmpuint (got->len, ==, 3);
  g_assert_cmpuint (cs_style_thumbnailer_get_n_pending (t), ==, 0);
  wait_for (got, 4);
  g_assert_true (g_bytes_equal (((Got *) g_ptr_array_index (got, 3))->pixels, b->pixels));

  /* Another frame is another picture. */
  g_timer_start (timer);
  cs_style_thumbnailer_request (t, NULL, 60);
  cs_style_thumbnailer_request (t, udnie, 60);
  cs_style_thumbnailer_request (t, wave, 60);
  wait_for (got, 7);
  g_test_message ("the same three at another frame, networks prepared: %.2f s", g_timer_elapsed (timer, NULL));
  g_assert_nonnull (find_got (got, "", 60));
  g_assert_cmpfloat (mean_diff (find_got (got, "", 60)->pixels, original->pixels), >, 1.0);
}

static void
test_newest_first (void)
{
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(CsStyleThumbnailer) t = NULL;
  static const gint64 frames[] = { 3, 6, 9, 12, 15 };

  if (!need_data ())
    return;

  t = new_thumbnailer (&got);
  /* Newest first; asking again for a waiting one moves it to the front.
   * The worker may have started on any one of them while the others were
   * asked for (opening the clip alone takes longer than asking): after
   * that one, the rest come in the order of the queue. */
  static const guint queue_order[] = { 1, 4, 3, 2, 0 };
  guint next = 0;

  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    cs_style_thumbnailer_request (t, udnie, frames[i]);
  cs_style_thumbnailer_request (t, udnie, frames[1]);
  wait_for (got, G_N_ELEMENTS (frames));
  for (guint i = 1; i < G_N_ELEMENTS (frames); i++)
    {
      gint64 first = ((Got *) g_ptr_array_index (got, 0))->frame;

      if (frames[queue_order[next]] == first)
        next++;
      g_assert_cmpint (((Got *) g_ptr_array_index (got, i))->frame, ==, frames[queue_order[next]]);
      next++;
    }

  /* Dropped requests never arrive; at most the one started does. */
  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    cs_style_thumbnailer_request (t, wave, frames[i] + 1);
  cs_style_thumbnailer_cancel_pending (t);
  while (cs_style_thumbnailer_get_n_pending (t) > 0)
    g_main_context_iteration (NULL, TRUE);
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (got->len, <=, G_N_ELEMENTS (frames) + 1);
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  g_file_get_contents (from, &contents, &length, &error);
  g_assert_no_error (error);
  g_file_set_contents (to, contents, length, &error);
  g_assert_no_error (error);
}

static void
test_failures (void)
{
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(CsStyleThumbnailer) t = NULL;
  g_autofree char *folder = g_build_filename (tmp_dir, "broken", NULL);
  g_autofree char *json = g_build_filename (folder, "style.json", NULL);
  g_autofree char *model = g_build_filename (folder, "model.onnx", NULL);
  g_autofree char *json_from = NULL;
  g_autoptr(CsStyle) broken = NULL;
  g_autoptr(GError) error = NULL;
  Got *g;

  if (!need_data ())
    return;

  json_from = g_build_filename (cs_style_get_folder (udnie), "style.json", NULL);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  copy_file (json_from, json);
  g_file_set_contents (model, "not a model", -1, &error);
  g_assert_no_error (error);
  broken = cs_style_new_from_folder (folder, &error);
  g_assert_no_error (error);

  t = new_thumbnailer (&got);
  cs_style_thumbnailer_request (t, broken, 0);
  wait_for (got, 1);
  g = g_ptr_array_index (got, 0);
  g_assert_null (g->pixels);
  g_test_message ("%s", g->message);
  g_assert_nonnull (strstr (g->message, cs_style_get_name (broken)));

  /* The worker goes on after a failure. */
  cs_style_thumbnailer_request (t, udnie, 0);
  wait_for (got, 2);
  g_assert_nonnull (((Got *) g_ptr_array_index (got, 1))->pixels);

  cs_style_thumbnailer_set_clip (t, folder);
  cs_style_thumbnailer_request (t, NULL, 0);
  wait_for (got, 3);
  g = g_ptr_array_index (got, 2);
  g_assert_null (g->pixels);
  g_test_message ("%s", g->message);
}

/* The random-weight VToonify-D style of the test material (made when
 * missing), or NULL with the test skipped when it cannot be made here. */
static CsStyle *
vtoonify_style (void)
{
  g_autofree char *skip_reason = NULL;
  g_autofree char *material = cs_test_vtoonify_material (&skip_reason);
  g_autofree char *folder = g_build_filename (material, "style", NULL);
  g_autoptr(GError) error = NULL;
  CsStyle *style;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return NULL;
    }
  style = cs_style_new_from_folder (folder, &error);
  g_assert_no_error (error);
  return style;
}

/* A VToonify-D style (three networks, the degree a network input) gets its
 * picture too. */
static void
test_vtoonify (void)
{
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(CsStyleThumbnailer) t = NULL;
  g_autoptr(CsStyle) style = NULL;
  Got *original, *styled;

  if (!need_data ())
    return;
  style = vtoonify_style ();
  if (style == NULL)
    return;
  g_assert_true (cs_style_is_vtoonify (style));

  t = new_thumbnailer (&got);
  cs_style_thumbnailer_request (t, style, 0);
  cs_style_thumbnailer_request (t, NULL, 0);
  wait_for (got, 2);
  original = find_got (got, "", 0);
  styled = find_got (got, cs_style_get_folder (style), 0);
  g_assert_nonnull (original);
  g_assert_nonnull (styled);
  if (styled->pixels == NULL)
    g_error ("%s", styled->message);
  g_assert_cmpint (styled->width, ==, original->width);
  g_assert_cmpint (styled->height, ==, original->height);
  g_test_message ("VToonify-D vs. original: mean |Δ| %.1f", mean_diff (styled->pixels, original->pixels));
  g_assert_cmpfloat (mean_diff (styled->pixels, original->pixels), >, 1.0);
}

typedef struct {
  guint   reference;
  GBytes *pixels;   /* NULL for a failure */
  char   *message;
} GotReference;

static void
got_reference_free (GotReference *g)
{
  g_clear_pointer (&g->pixels, g_bytes_unref);
  g_free (g->message);
  g_free (g);
}

static void
on_reference_ready (CsStyleThumbnailer *thumbnailer,
                    const char         *key,
                    gint64              frame,
                    guint               reference,
                    GBytes             *pixels,
                    int                 width,
                    int                 height,
                    GPtrArray          *got)
{
  GotReference *g = g_new0 (GotReference, 1);

  g->reference = reference;
  g->pixels = g_bytes_ref (pixels);
  g_ptr_array_add (got, g);
}

static void
on_reference_failed (CsStyleThumbnailer *thumbnailer,
                     const char         *key,
                     gint64              frame,
                     guint               reference,
                     const char         *message,
                     GPtrArray          *got)
{
  GotReference *g = g_new0 (GotReference, 1);

  g->reference = reference;
  g->message = g_strdup (message);
  g_ptr_array_add (got, g);
}

/* Each reference of a VToonify-D style, and each face rectangle, gets its
 * own picture, cached under its own key and answered through its own
 * signal; reference 0 on the centred square is the gallery's picture. */
static void
test_vtoonify_references (void)
{
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func ((GDestroyNotify) got_reference_free);
  g_autoptr(CsStyleThumbnailer) t = NULL;
  g_autoptr(CsStyle) style = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) cached = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  /* Near a corner of the clip's 400 × 368 frames (as stored), not centred. */
  CsFaceRect face = { 40, 30, 300, 300 };
  GotReference *one, *two, *one_face, *zero, *bad;
  guint n;

  if (!need_data ())
    return;
  style = vtoonify_style ();
  if (style == NULL)
    return;
  n = cs_style_get_n_references (style);
  g_assert_cmpuint (n, >=, 3);

  t = new_thumbnailer (&got);
  g_signal_connect (t, "reference-ready", G_CALLBACK (on_reference_ready), refs);
  g_signal_connect (t, "reference-failed", G_CALLBACK (on_reference_failed), refs);

  cs_style_thumbnailer_request_reference (t, style, 0, 2, NULL);
  cs_style_thumbnailer_request_reference (t, style, 0, 1, NULL);
  wait_for (refs, 1);
  g_test_message ("first reference picture (decode, load, bind): %.0f ms", g_timer_elapsed (timer, NULL) * 1000);
  g_timer_start (timer);
  wait_for (refs, 2);
  g_test_message ("second reference picture (rebind only): %.0f ms", g_timer_elapsed (timer, NULL) * 1000);
  /* Newest first. */
  one = g_ptr_array_index (refs, 0);
  two = g_ptr_array_index (refs, 1);
  g_assert_cmpuint (one->reference, ==, 1);
  g_assert_cmpuint (two->reference, ==, 2);
  if (one->pixels == NULL || two->pixels == NULL)
    g_error ("%s", one->pixels == NULL ? one->message : two->message);
  g_test_message ("reference 1 vs. 2: mean |Δ| %.1f", mean_diff (one->pixels, two->pixels));
  g_assert_cmpfloat (mean_diff (one->pixels, two->pixels), >, 1.0);
  /* Nothing came through the gallery's signal. */
  g_assert_cmpuint (got->len, ==, 0);

  cached = cs_style_thumbnailer_lookup_reference (t, style, 0, 1, NULL, NULL, NULL);
  g_assert_nonnull (cached);
  g_assert_true (g_bytes_equal (cached, one->pixels));
  g_assert_null (cs_style_thumbnailer_lookup_reference (t, style, 0, 1, &face, NULL, NULL));
  g_assert_null (cs_style_thumbnailer_lookup_reference (t, style, 1, 1, NULL, NULL, NULL));
  g_assert_null (cs_style_thumbnailer_lookup (t, style, 0, NULL, NULL));

  /* Another face gives another code, so another picture. */
  cs_style_thumbnailer_request_reference (t, style, 0, 1, &face);
  wait_for (refs, 3);
  one_face = g_ptr_array_index (refs, 2);
  g_assert_nonnull (one_face->pixels);
  g_test_message ("reference 1, centred square vs. corner face: mean |Δ| %.2f",
                  mean_diff (one->pixels, one_face->pixels));
  g_assert_false (g_bytes_equal (one->pixels, one_face->pixels));
  cached = (g_bytes_unref (cached), cs_style_thumbnailer_lookup_reference (t, style, 0, 1, &face, NULL, NULL));
  g_assert_true (cached != NULL && g_bytes_equal (cached, one_face->pixels));

  /* Reference 0 on the centred square is the gallery's picture, shared. */
  cs_style_thumbnailer_request_reference (t, style, 0, 0, NULL);
  wait_for (refs, 4);
  zero = g_ptr_array_index (refs, 3);
  g_assert_nonnull (zero->pixels);
  g_clear_pointer (&cached, g_bytes_unref);
  cached = cs_style_thumbnailer_lookup (t, style, 0, NULL, NULL);
  g_assert_true (cached != NULL && g_bytes_equal (cached, zero->pixels));

  /* A reference the style lacks is refused, naming it. */
  cs_style_thumbnailer_request_reference (t, style, 0, n + 5, NULL);
  wait_for (refs, 5);
  bad = g_ptr_array_index (refs, 4);
  g_assert_null (bad->pixels);
  g_assert_cmpuint (bad->reference, ==, n + 5);
  g_test_message ("%s", bad->message);
  {
    g_autofree char *number = g_strdup_printf ("%u", n + 5);

    g_assert_nonnull (strstr (bad->message, number));
  }

  /* The corner face's card takes its code from the frame at its own size,
   * as a render does, then styles the small picture with it: closer to that
   * than to a code taken from the small picture's blurred crop. */
  {
    g_autoptr(CsDevice) device = cs_device_new (NULL, &error);
    g_autoptr(CsDecoder) decoder = cs_decoder_new (clip, NULL, &error);
    g_autoptr(GBytes) full_rgba = NULL;
    g_autoptr(CsImage) small = NULL, full = NULL, from_full = NULL, from_small = NULL;
    g_autoptr(GBytes) want_full = NULL, want_small = NULL;
    g_autoptr(CsVToonify) v = NULL;
    g_autofree float *code = NULL;
    const float *computed;
    const CsVideoStreamInfo *video;
    Got *original;
    CsFaceRect small_face;
    int full_w = 0, full_h = 0;
    double sx, sy, d_full, d_small;
    gsize n = 0;

    g_assert_no_error (error);
    cs_style_thumbnailer_request (t, NULL, 0);
    wait_for (got, 1);
    original = find_got (got, "", 0);
    g_assert_nonnull (original);
    g_assert_nonnull (original->pixels);
    small = rgba_to_image (original->pixels, original->width, original->height);
    video = cs_decoder_get_video_info (decoder);
    g_assert_cmpint (video->rotation, ==, 0);
    cs_video_stream_info_get_display_size (video, &full_w, &full_h);
    full_rgba = cs_decoder_get_thumbnail (decoder, 0, full_h, &full_w, NULL, &error);
    g_assert_no_error (error);
    full = rgba_to_image (full_rgba, full_w, full_h);

    v = cs_vtoonify_new (style, device, CS_PRECISION_FP32, &error);
    g_assert_no_error (error);
    g_assert_true (cs_vtoonify_set_reference (v, 1, &error));
    g_assert_true (cs_vtoonify_set_degree (v, 1.0, &error));
    sx = (double) small->width / full_w;
    sy = (double) small->height / full_h;
    small_face.x = (int) floor (face.x * sx + 0.5);
    small_face.y = (int) floor (face.y * sy + 0.5);
    small_face.width = MAX (1, (int) floor ((face.x + face.width) * sx + 0.5) - small_face.x);
    small_face.height = MAX (1, (int) floor ((face.y + face.height) * sy + 0.5) - small_face.y);

    /* The code from the small picture's crop. */
    cs_vtoonify_set_face (v, &small_face);
    from_small = cs_vtoonify_run (v, small, small->width, small->height, &error);
    g_assert_no_error (error);
    want_small = rgba_from_image (from_small);
    /* The code from the frame at its own size. */
    cs_vtoonify_set_face (v, &face);
    g_assert_true (cs_vtoonify_compute_face_code (v, full, &error));
    computed = cs_vtoonify_get_face_code (v, &n);
    code = g_memdup2 (computed, n * sizeof (float));
    cs_vtoonify_set_face (v, &small_face);
    g_assert_true (cs_vtoonify_set_face_code (v, code, n, &error));
    from_full = cs_vtoonify_run (v, small, small->width, small->height, &error);
    g_assert_no_error (error);
    want_full = rgba_from_image (from_full);

    d_full = mean_diff (one_face->pixels, want_full);
    d_small = mean_diff (one_face->pixels, want_small);
    g_test_message ("corner face card vs. the code from the %d × %d frame: mean |Δ| %.3f; "
                    "vs. the code from the %d × %d picture: %.3f", full_w, full_h, d_full,
                    small->width, small->height, d_small);
    /* Not zero: the test's full frame comes through the decoder's own
     * thumbnail conversion, a pixel or so away from the thumbnailer's. */
    g_assert_cmpfloat (d_full, <, 2.0);
    g_assert_cmpfloat (5 * d_full, <, d_small);
  }
}

/* A style imported again into the same folder is never shown with the
 * pictures, or the network, of the one before. */
static void
test_reimported (void)
{
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(CsStyleThumbnailer) t = NULL;
  g_autofree char *folder = g_build_filename (tmp_dir, "again", NULL);
  g_autofree char *udnie_ckpt = g_build_filename (data_dir, "styles", "ml5", "udnie", NULL);
  g_autofree char *wave_ckpt = g_build_filename (data_dir, "styles", "ml5", "wave", NULL);
  g_autoptr(CsStyle) first = NULL;
  g_autoptr(CsStyle) second = NULL;
  g_autoptr(GError) error = NULL;
  Got *a, *b;

  if (!need_data ())
    return;

  g_assert_true (cs_fst_import (udnie_ckpt, folder, NULL, NULL, &error));
  g_assert_no_error (error);
  first = cs_style_new_from_folder (folder, &error);
  g_assert_no_error (error);

  t = new_thumbnailer (&got);
  cs_style_thumbnailer_request (t, first, 0);
  wait_for (got, 1);
  a = g_ptr_array_index (got, 0);
  g_assert_nonnull (a->pixels);

  cs_test_remove_tree (folder);
  g_assert_true (cs_fst_import (wave_ckpt, folder, NULL, NULL, &error));
  g_assert_no_error (error);
  second = cs_style_new_from_folder (folder, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_style_get_folder (second), ==, cs_style_get_folder (first));

  g_assert_null (cs_style_thumbnailer_lookup (t, second, 0, NULL, NULL));
  cs_style_thumbnailer_request (t, second, 0);
  wait_for (got, 2);
  b = g_ptr_array_index (got, 1);
  g_assert_nonnull (b->pixels);
  g_test_message ("before vs. after the new import: mean |Δ| %.1f", mean_diff (a->pixels, b->pixels));
  g_assert_cmpfloat (mean_diff (a->pixels, b->pixels), >, 10.0);
}

/* Set-up ------------------------------------------------------------------------------------ */

static CsStyle *
import_style (const char *id)
{
  g_autofree char *checkpoint = g_build_filename (data_dir, "styles", "ml5", id, NULL);
  g_autofree char *folder = g_build_filename (tmp_dir, id, NULL);
  g_autoptr(GError) error = NULL;
  CsStyle *style;

  if (!g_file_test (checkpoint, G_FILE_TEST_IS_DIR))
    return NULL;
  if (!cs_fst_import (checkpoint, folder, NULL, NULL, &error))
    g_error ("Cannot import %s: %s", id, error->message);
  style = cs_style_new_from_folder (folder, &error);
  g_assert_no_error (error);
  return style;
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  data_dir = g_strdup (g_getenv ("CELSHADE_TEST_DATA"));
  if (data_dir == NULL)
    data_dir = g_build_filename (CS_SOURCE_DIR, "..", "shared", "data", NULL);
  tmp_dir = g_dir_make_tmp ("celshade-thumbs-XXXXXX", NULL);
  clip = g_build_filename (data_dir, "media", "529.mp4", NULL);
  udnie = import_style ("udnie");
  wave = import_style ("wave");

  g_test_add_func ("/style-thumbnailer/pictures", test_pictures);
  g_test_add_func ("/style-thumbnailer/newest-first", test_newest_first);
  g_test_add_func ("/style-thumbnailer/failures", test_failures);
  g_test_add_func ("/style-thumbnailer/reimported", test_reimported);
  g_test_add_func ("/style-thumbnailer/vtoonify", test_vtoonify);
  g_test_add_func ("/style-thumbnailer/vtoonify-references", test_vtoonify_references);
  status = g_test_run ();

  g_clear_object (&udnie);
  g_clear_object (&wave);
  cs_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (clip);
  g_free (data_dir);
  return status;
}
