/* cs-style-thumbnailer.c: a frame of the user's clip in every style, in the background
 *
 * The worker decodes the exact frame once for all the styles that ask for
 * it (the gallery asks for every style at the same frame), scales it to the
 * pictures' height as a player shows it (pixel aspect ratio and rotation),
 * and runs each style's network on that small picture through a CsStylizer
 * kept per style, so that moving the playhead costs one run a style and no
 * preparation. The cache lives on the main thread only: the worker never
 * touches it, and a lookup never takes a lock.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libswscale/swscale.h>

#include "cs-image.h"
#include "cs-media.h"
#include "cs-preview.h"
#include "cs-style-thumbnailer.h"
#include "cs-stylizer.h"
#include "cs-vtoonify.h"

/* Styles whose networks stay prepared on the worker's device. */
#define MAX_STYLIZERS 12
#define DEFAULT_CACHE_BYTES (32 * 1024 * 1024)

typedef struct {
  CsStyle   *style;     /* NULL for the original */
  char      *style_key;
  char      *signature; /* style_signature () */
  char      *clip;
  gint64     frame;
  int        height;
  /* VToonify-D only: the reference and the face (has_face FALSE: the
   * centred square). by_reference: answered through "reference-ready". */
  guint      reference;
  gboolean   has_face;
  CsFaceRect face;
  gboolean   by_reference;
  char      *cache_key;
} Request;

typedef struct {
  GBytes *pixels;
  int     width;
  int     height;
} Entry;

struct _CsStyleThumbnailer {
  GObject       parent_instance;

  GMainContext *context;
  char         *device_selector;
  CsPrecision   precision;
  char         *clip;
  int           height;

  /* The cache (main thread only): cache_key → Entry, oldest first in order. */
  GHashTable   *cache;
  GQueue        order;
  gsize         cache_bytes;
  gsize         cache_limit;

  /* Shared with the worker, under lock. */
  GMutex        lock;
  GCond         cond;
  GQueue        pending;       /* Request*, newest first */
  Request      *current;
  GCancellable *current_cancellable;
  gboolean      quit;
  GThread      *thread;
};

G_DEFINE_FINAL_TYPE (CsStyleThumbnailer, cs_style_thumbnailer, G_TYPE_OBJECT)

enum {
  SIGNAL_READY,
  SIGNAL_FAILED,
  SIGNAL_REFERENCE_READY,
  SIGNAL_REFERENCE_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
request_free (Request *r)
{
  g_clear_object (&r->style);
  g_free (r->style_key);
  g_free (r->signature);
  g_free (r->clip);
  g_free (r->cache_key);
  g_free (r);
}

static void
entry_free (Entry *e)
{
  g_bytes_unref (e->pixels);
  g_free (e);
}

static char *
make_cache_key (const char *style_key,
                const char *clip,
                gint64      frame,
                int         height)
{
  return g_strdup_printf ("%s\n%s\n%" G_GINT64_FORMAT "\n%d", style_key, clip != NULL ? clip : "",
                          frame, height);
}

/* The key of a picture with its reference and face. Only VToonify-D styles
 * have those: other styles, and reference 0 on the centred square (what the
 * gallery shows), share the plain key. */
static char *
make_reference_key (CsStyle          *style,
                    const char       *signature,
                    const char       *clip,
                    gint64            frame,
                    int               height,
                    guint             reference,
                    const CsFaceRect *face)
{
  g_autofree char *plain = make_cache_key (signature, clip, frame, height);

  if (style == NULL || !cs_style_is_vtoonify (style) || (reference == 0 && face == NULL))
    return g_steal_pointer (&plain);
  if (face == NULL)
    return g_strdup_printf ("%s\nreference %u", plain, reference);
  return g_strdup_printf ("%s\nreference %u\nface %d,%d,%d,%d", plain, reference,
                          face->x, face->y, face->width, face->height);
}

const char *
cs_style_thumbnailer_style_key (CsStyle *style)
{
  return style != NULL ? cs_style_get_folder (style) : "";
}

/* What a picture in style depends on: its folder, and the time and size of
 * the files that make it, so that a style removed and imported again into
 * the same folder is never shown with the old network's pictures. */
static char *
style_signature (CsStyle *style)
{
  const char *files[2];
  GString *sig;

  if (style == NULL)
    return g_strdup ("");
  files[0] = cs_style_get_model_path (style);
  files[1] = cs_style_get_folder (style);
  sig = g_string_new (cs_style_get_folder (style));
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *json = i == 1 ? g_build_filename (files[1], "style.json", NULL) : NULL;
      const char *path = i == 1 ? json : files[0];
      GStatBuf st;

      if (path != NULL && g_stat (path, &st) == 0)
        g_string_append_printf (sig, "\n%" G_GINT64_FORMAT ".%09ld:%" G_GINT64_FORMAT,
                                (gint64) st.st_mtim.tv_sec, (long) st.st_mtim.tv_nsec, (gint64) st.st_size);
    }
  return g_string_free (sig, FALSE);
}

/* The worker ----------------------------------------------------------------------------- */

/* How the clip's frames (as stored) map onto a picture made of them. */
typedef struct {
  int coded_w, coded_h;    /* the frame as stored */
  int scaled_w, scaled_h;  /* scaled, before turning */
  int rotation;
} Placement;

typedef struct {
  CsStyleThumbnailer *self;
  CsDecoder          *decoder;
  char               *decoder_path;
  CsDevice           *device;
  gboolean            device_tried;
  char               *device_error;
  GHashTable         *stylizers;     /* style signature → CsStylizer or CsVToonify */
  struct SwsContext  *sws;
  /* The last original picture, shared by the styles that ask for it, the
   * frame it was made of, and how that frame maps onto it (for face
   * rectangles). */
  char               *original_key;
  CsImage            *original;
  CsFrame            *original_frame;
  Placement           placement;
} Worker;

static GBytes *
image_to_rgba (const CsImage *image)
{
  gsize plane = cs_image_plane_size (image);
  guint8 *out = g_malloc (plane * 4);

  for (gsize i = 0; i < plane; i++)
    {
      for (int c = 0; c < 3; c++)
        {
          float v = image->data[c * plane + i] + 0.5f;

          out[i * 4 + c] = v <= 0 ? 0 : v >= 255 ? 255 : (guint8) v;
        }
      out[i * 4 + 3] = 255;
    }
  return g_bytes_new_take (out, plane * 4);
}

/* The request's frame of its clip, decoded. */
static CsFrame *
worker_decode (Worker       *w,
               Request      *r,
               GCancellable *cancellable,
               GError      **error)
{
  gint64 index;

  if (r->clip == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No clip is open"));
      return NULL;
    }
  if (w->decoder == NULL || g_strcmp0 (w->decoder_path, r->clip) != 0)
    {
      g_clear_object (&w->decoder);
      g_clear_pointer (&w->decoder_path, g_free);
      w->decoder = cs_decoder_new (r->clip, cancellable, error);
      if (w->decoder == NULL)
        return NULL;
      w->decoder_path = g_strdup (r->clip);
    }

  index = CLAMP (r->frame, 0, MAX (cs_decoder_get_n_frames (w->decoder) - 1, 0));
  return cs_decoder_seek_frame (w->decoder, index, cancellable, error);
}

/* frame (from the worker's decoder) as a player shows it, height pixels
 * high, as a planar image; placement says how frame maps onto it. */
static CsImage *
worker_picture (Worker     *w,
                CsFrame    *frame,
                int         height,
                Placement  *placement,
                GError    **error)
{
  const AVFrame *av = cs_frame_get_av_frame (frame);
  const CsVideoStreamInfo *video = cs_decoder_get_video_info (w->decoder);
  g_autofree guint8 *rgb = NULL;
  CsImage *image;
  int display_w, display_h, out_w, out_h, scaled_w, scaled_h, rotation;

  rotation = video->rotation;
  cs_video_stream_info_get_display_size (video, &display_w, &display_h);
  out_h = MAX (height, 8);
  out_w = MAX (8, (int) av_rescale (display_w, out_h, MAX (display_h, 1)));
  /* Scaled as stored, then turned: a quarter turn swaps the sides. */
  scaled_w = rotation % 180 ? out_h : out_w;
  scaled_h = rotation % 180 ? out_w : out_h;

  w->sws = sws_getCachedContext (w->sws, av->width, av->height, av->format,
                                 scaled_w, scaled_h, AV_PIX_FMT_RGB24,
                                 SWS_AREA | SWS_ACCURATE_RND, NULL, NULL, NULL);
  if (w->sws == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Cannot scale the frames of “%s”"), w->decoder_path);
      return NULL;
    }
  {
    /* swscale's vector code may write a little past the last row. */
    int stride = scaled_w * 3;
    uint8_t *dst[4] = { NULL };
    int dst_stride[4] = { stride };

    rgb = g_malloc ((gsize) stride * scaled_h + 256);
    dst[0] = rgb;
    sws_scale (w->sws, (const uint8_t * const *) av->data, av->linesize, 0, av->height, dst, dst_stride);
  }

  image = cs_image_new (out_w, out_h, error);
  if (image == NULL)
    return NULL;
  *placement = (Placement) { av->width, av->height, scaled_w, scaled_h, rotation };
  for (int y = 0; y < scaled_h; y++)
    for (int x = 0; x < scaled_w; x++)
      {
        const guint8 *px = rgb + ((gsize) y * scaled_w + x) * 3;
        int tx, ty;
        gsize plane = cs_image_plane_size (image);

        switch (rotation)
          {
          case 90:  tx = scaled_h - 1 - y; ty = x; break;
          case 180: tx = scaled_w - 1 - x; ty = scaled_h - 1 - y; break;
          case 270: tx = y; ty = scaled_w - 1 - x; break;
          default:  tx = x; ty = y; break;
          }
        for (int c = 0; c < 3; c++)
          image->data[c * plane + (gsize) ty * out_w + tx] = px[c];
      }
  return image;
}

static CsDevice *
worker_device (Worker  *w,
               GError **error)
{
  if (!w->device_tried)
    {
      g_autoptr(GError) local = NULL;

      w->device_tried = TRUE;
      w->device = cs_device_new (w->self->device_selector, &local);
      if (w->device == NULL && w->self->device_selector != NULL && *w->self->device_selector != '\0')
        {
          g_clear_error (&local);
          w->device = cs_device_new (NULL, &local);
        }
      if (w->device == NULL)
        w->device_error = g_strdup (local->message);
    }
  if (w->device == NULL)
    g_set_error_literal (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_NO_DEVICE, w->device_error);
  return w->device;
}

/* A face rectangle in the clip's pixels (as stored, which is what the
 * project keeps) onto a picture placed by p, scaled and turned as its
 * pixels are. */
static void
map_face (const Placement  *p,
          const CsFaceRect *face,
          CsFaceRect       *out)
{
  double sx = (double) p->scaled_w / MAX (p->coded_w, 1);
  double sy = (double) p->scaled_h / MAX (p->coded_h, 1);
  double x0 = face->x * sx, x1 = (face->x + face->width) * sx;
  double y0 = face->y * sy, y1 = (face->y + face->height) * sy;
  double l, t, r, b;

  switch (p->rotation)
    {
    case 90:  l = p->scaled_h - y1; r = p->scaled_h - y0; t = x0; b = x1; break;
    case 180: l = p->scaled_w - x1; r = p->scaled_w - x0; t = p->scaled_h - y1; b = p->scaled_h - y0; break;
    case 270: l = y0; r = y1; t = p->scaled_w - x1; b = p->scaled_w - x0; break;
    default:  l = x0; r = x1; t = y0; b = y1; break;
    }
  out->x = (int) floor (l + 0.5);
  out->y = (int) floor (t + 0.5);
  out->width = MAX (1, (int) floor (r + 0.5) - out->x);
  out->height = MAX (1, (int) floor (b + 0.5) - out->y);
}

/* The face code is computed on the frame at its own size up to this height
 * (a 4K frame as planar floats would take 100 MB for little gain). */
#define FACE_CODE_MAX_HEIGHT 1080

/* Binds the request's reference and face into a VToonify-D pipeline. The
 * face code comes from the frame at its own size, as a render computes it
 * (a face a hundred pixels high on the small picture would give a blurred
 * crop, and a code that looks different); a new frame or face needs it
 * again, a new reference only mixes the kept code anew. */
static gboolean
worker_bind_vtoonify (Worker       *w,
                      CsVToonify   *v,
                      Request      *r,
                      GError      **error)
{
  const char *coded_from = g_object_get_data (G_OBJECT (v), "cs-face-code");
  g_autofree char *code_key = NULL;
  CsFaceRect mapped;

  if (!cs_vtoonify_set_reference (v, r->reference, error))
    return FALSE;
  code_key = r->has_face ? g_strdup_printf ("%s\nface %d,%d,%d,%d", w->original_key, r->face.x, r->face.y,
                                            r->face.width, r->face.height)
                         : g_strdup_printf ("%s\ncentre", w->original_key);
  if (r->has_face)
    map_face (&w->placement, &r->face, &mapped);
  if (g_strcmp0 (coded_from, code_key) != 0 || !cs_vtoonify_has_face_code (v))
    {
      int display_w = 0, display_h = 0;
      g_autoptr(CsImage) full = NULL;
      g_autofree float *code = NULL;
      Placement full_placement;
      CsFaceRect full_face;
      const float *computed;
      gsize n = 0;

      /* The frame the picture was made of, at its own size this time. */
      cs_video_stream_info_get_display_size (cs_decoder_get_video_info (w->decoder), &display_w, &display_h);
      full = worker_picture (w, w->original_frame, MIN (display_h, FACE_CODE_MAX_HEIGHT), &full_placement, error);
      if (full == NULL)
        return FALSE;
      if (r->has_face)
        map_face (&full_placement, &r->face, &full_face);
      cs_vtoonify_set_face (v, r->has_face ? &full_face : NULL);
      if (!cs_vtoonify_compute_face_code (v, full, error))
        return FALSE;
      computed = cs_vtoonify_get_face_code (v, &n);
      code = g_memdup2 (computed, n * sizeof (float));
      cs_vtoonify_set_face (v, r->has_face ? &mapped : NULL);
      if (!cs_vtoonify_set_face_code (v, code, n, error))
        return FALSE;
      g_object_set_data_full (G_OBJECT (v), "cs-face-code", g_steal_pointer (&code_key), g_free);
      return TRUE;
    }
  cs_vtoonify_set_face (v, r->has_face ? &mapped : NULL);
  return TRUE;
}

static GBytes *
worker_render (Worker       *w,
               Request      *r,
               GCancellable *cancellable,
               int          *width,
               int          *height,
               GError      **error)
{
  g_autofree char *original_key = make_cache_key ("", r->clip, r->frame, r->height);
  g_autoptr(CsImage) styled = NULL;
  GObject *stylizer;
  CsDevice *device;

  if (w->original == NULL || g_strcmp0 (w->original_key, original_key) != 0)
    {
      g_clear_pointer (&w->original, cs_image_free);
      g_clear_pointer (&w->original_key, g_free);
      g_clear_pointer (&w->original_frame, cs_frame_unref);
      w->original_frame = worker_decode (w, r, cancellable, error);
      if (w->original_frame == NULL)
        return NULL;
      w->original = worker_picture (w, w->original_frame, r->height, &w->placement, error);
      if (w->original == NULL)
        return NULL;
      w->original_key = g_steal_pointer (&original_key);
    }
  *width = w->original->width;
  *height = w->original->height;
  if (r->style == NULL)
    return image_to_rgba (w->original);

  stylizer = g_hash_table_lookup (w->stylizers, r->signature);
  if (stylizer == NULL)
    {
      device = worker_device (w, error);
      if (device == NULL)
        return NULL;
      if (g_hash_table_size (w->stylizers) >= MAX_STYLIZERS)
        g_hash_table_remove_all (w->stylizers);
      /* VToonify-D styles take the degree as a network input: the full
       * style, as the other tiles show it. */
      if (cs_style_is_vtoonify (r->style))
        {
          CsVToonify *v = cs_vtoonify_new (r->style, device, w->self->precision, error);

          if (v != NULL && !cs_vtoonify_set_degree (v, 1.0, error))
            g_clear_object (&v);
          stylizer = G_OBJECT (v);
        }
      else
        stylizer = G_OBJECT (cs_stylizer_new (r->style, device, w->self->precision, error));
      if (stylizer == NULL)
        return NULL;
      g_hash_table_insert (w->stylizers, g_strdup (r->signature), stylizer);
    }
  if (CS_IS_VTOONIFY (stylizer))
    styled = worker_bind_vtoonify (w, CS_VTOONIFY (stylizer), r, error)
             ? cs_vtoonify_run (CS_VTOONIFY (stylizer), w->original, w->original->width,
                                w->original->height, error)
             : NULL;
  else
    styled = cs_stylizer_run (CS_STYLIZER (stylizer), w->original, 1.0, cancellable, error);
  if (styled == NULL)
    return NULL;
  return image_to_rgba (styled);
}

typedef struct {
  GWeakRef  self;
  Request  *request;
  GBytes   *pixels;
  int       width;
  int       height;
  char     *message;
} Result;

static void
result_free (Result *res)
{
  g_weak_ref_clear (&res->self);
  if (res->request != NULL)
    request_free (res->request);
  g_clear_pointer (&res->pixels, g_bytes_unref);
  g_free (res->message);
  g_free (res);
}

static void
cache_insert (CsStyleThumbnailer *self,
              const char         *key,
              GBytes             *pixels,
              int                 width,
              int                 height)
{
  Entry *e;

  if (g_hash_table_contains (self->cache, key))
    return;
  e = g_new0 (Entry, 1);
  e->pixels = g_bytes_ref (pixels);
  e->width = width;
  e->height = height;
  g_hash_table_insert (self->cache, g_strdup (key), e);
  g_queue_push_tail (&self->order, g_strdup (key));
  self->cache_bytes += g_bytes_get_size (pixels);
  while (self->cache_bytes > self->cache_limit && self->order.length > 1)
    {
      g_autofree char *oldest = g_queue_pop_head (&self->order);
      Entry *old = g_hash_table_lookup (self->cache, oldest);

      if (old != NULL)
        {
          self->cache_bytes -= g_bytes_get_size (old->pixels);
          g_hash_table_remove (self->cache, oldest);
        }
    }
}

static gboolean
deliver (gpointer data)
{
  Result *res = data;
  g_autoptr(CsStyleThumbnailer) self = g_weak_ref_get (&res->self);

  if (self == NULL)
    return G_SOURCE_REMOVE;
  if (res->pixels != NULL)
    {
      /* A picture of a clip the thumbnailer left meanwhile is still right
       * for its key: keep it, but nobody is waiting for it. */
      cache_insert (self, res->request->cache_key, res->pixels, res->width, res->height);
      if (res->request->by_reference)
        g_signal_emit (self, signals[SIGNAL_REFERENCE_READY], 0, res->request->style_key,
                       res->request->frame, res->request->reference, res->pixels, res->width,
                       res->height);
      else
        g_signal_emit (self, signals[SIGNAL_READY], 0, res->request->style_key, res->request->frame,
                       res->pixels, res->width, res->height);
    }
  else if (res->request->by_reference)
    g_signal_emit (self, signals[SIGNAL_REFERENCE_FAILED], 0, res->request->style_key,
                   res->request->frame, res->request->reference, res->message);
  else
    g_signal_emit (self, signals[SIGNAL_FAILED], 0, res->request->style_key, res->request->frame,
                   res->message);
  return G_SOURCE_REMOVE;
}

static void
post (CsStyleThumbnailer *self,
      Result             *res)
{
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT_IDLE, deliver, res,
                              (GDestroyNotify) result_free);
}

static gpointer
worker_main (gpointer data)
{
  Worker w = { .self = data };

  cs_preview_lower_thread_priority ();
  w.stylizers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  g_mutex_lock (&w.self->lock);
  while (!w.self->quit)
    {
      g_autoptr(GCancellable) cancellable = NULL;
      g_autoptr(GError) error = NULL;
      Request *r;
      Result *res;

      r = g_queue_pop_head (&w.self->pending);
      if (r == NULL)
        {
          g_cond_wait (&w.self->cond, &w.self->lock);
          continue;
        }
      cancellable = g_cancellable_new ();
      w.self->current = r;
      w.self->current_cancellable = g_object_ref (cancellable);
      g_mutex_unlock (&w.self->lock);

      res = g_new0 (Result, 1);
      g_weak_ref_init (&res->self, w.self);
      res->pixels = worker_render (&w, r, cancellable, &res->width, &res->height, &error);
      if (res->pixels == NULL)
        {
          /* A style that cannot run is named, so the gallery can say which. */
          if (r->style != NULL)
            res->message = g_strdup_printf (_("Cannot show “%s” on the frame: %s"),
                                            cs_style_get_name (r->style), error->message);
          else
            res->message = g_strdup (error->message);
        }

      g_mutex_lock (&w.self->lock);
      w.self->current = NULL;
      g_clear_object (&w.self->current_cancellable);
      res->request = r;
      if (!g_cancellable_is_cancelled (cancellable))
        post (w.self, res);
      else
        result_free (res);
    }
  g_mutex_unlock (&w.self->lock);

  g_hash_table_unref (w.stylizers);
  g_clear_object (&w.decoder);
  g_free (w.decoder_path);
  g_clear_object (&w.device);
  g_free (w.device_error);
  g_clear_pointer (&w.original, cs_image_free);
  g_clear_pointer (&w.original_frame, cs_frame_unref);
  g_free (w.original_key);
  sws_freeContext (w.sws);
  return NULL;
}

/* The object -------------------------------------------------------------------------------- */

static void
drop_pending_locked (CsStyleThumbnailer *self)
{
  Request *r;

  while ((r = g_queue_pop_head (&self->pending)) != NULL)
    request_free (r);
}

static void
cs_style_thumbnailer_dispose (GObject *object)
{
  CsStyleThumbnailer *self = CS_STYLE_THUMBNAILER (object);

  if (self->thread != NULL)
    {
      g_mutex_lock (&self->lock);
      self->quit = TRUE;
      drop_pending_locked (self);
      if (self->current_cancellable != NULL)
        g_cancellable_cancel (self->current_cancellable);
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->lock);
      g_thread_join (g_steal_pointer (&self->thread));
    }
  G_OBJECT_CLASS (cs_style_thumbnailer_parent_class)->dispose (object);
}

static void
cs_style_thumbnailer_finalize (GObject *object)
{
  CsStyleThumbnailer *self = CS_STYLE_THUMBNAILER (object);

  g_hash_table_unref (self->cache);
  g_queue_clear_full (&self->order, g_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_main_context_unref (self->context);
  g_free (self->device_selector);
  g_free (self->clip);
  G_OBJECT_CLASS (cs_style_thumbnailer_parent_class)->finalize (object);
}

static void
cs_style_thumbnailer_class_init (CsStyleThumbnailerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cs_style_thumbnailer_dispose;
  object_class->finalize = cs_style_thumbnailer_finalize;

  /**
   * CsStyleThumbnailer::thumbnail-ready:
   * @style_key: cs_style_thumbnailer_style_key() of the style
   * @frame: the frame asked for
   * @pixels: RGBA, width × height
   * @width, @height: the picture's size
   */
  signals[SIGNAL_READY] =
    g_signal_new ("thumbnail-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 5,
                  G_TYPE_STRING, G_TYPE_INT64, G_TYPE_BYTES, G_TYPE_INT, G_TYPE_INT);
  /**
   * CsStyleThumbnailer::thumbnail-failed:
   * @style_key: cs_style_thumbnailer_style_key() of the style
   * @frame: the frame asked for
   * @message: what went wrong, for users
   */
  signals[SIGNAL_FAILED] =
    g_signal_new ("thumbnail-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_INT64, G_TYPE_STRING);
  /**
   * CsStyleThumbnailer::reference-ready:
   * @style_key: cs_style_thumbnailer_style_key() of the style
   * @frame: the frame asked for
   * @reference: the reference asked for
   * @pixels: RGBA, width × height
   * @width, @height: the picture's size
   *
   * A picture asked for with cs_style_thumbnailer_request_reference(); the
   * face it was made with is in its cache key, so a listener that may have
   * moved the face since looks it up again.
   */
  signals[SIGNAL_REFERENCE_READY] =
    g_signal_new ("reference-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 6,
                  G_TYPE_STRING, G_TYPE_INT64, G_TYPE_UINT, G_TYPE_BYTES, G_TYPE_INT, G_TYPE_INT);
  /**
   * CsStyleThumbnailer::reference-failed:
   * @style_key: cs_style_thumbnailer_style_key() of the style
   * @frame: the frame asked for
   * @reference: the reference asked for
   * @message: what went wrong, for users
   */
  signals[SIGNAL_REFERENCE_FAILED] =
    g_signal_new ("reference-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_INT64, G_TYPE_UINT, G_TYPE_STRING);
}

static void
cs_style_thumbnailer_init (CsStyleThumbnailer *self)
{
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) entry_free);
  g_queue_init (&self->order);
  g_queue_init (&self->pending);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->cache_limit = DEFAULT_CACHE_BYTES;
  self->height = CS_STYLE_THUMBNAILER_DEFAULT_HEIGHT;
  self->context = g_main_context_ref_thread_default ();
}

CsStyleThumbnailer *
cs_style_thumbnailer_new (const char  *device_selector,
                          CsPrecision  precision)
{
  CsStyleThumbnailer *self = g_object_new (CS_TYPE_STYLE_THUMBNAILER, NULL);

  self->device_selector = g_strdup (device_selector);
  self->precision = precision;
  return self;
}

void
cs_style_thumbnailer_set_clip (CsStyleThumbnailer *self,
                               const char         *path)
{
  g_return_if_fail (CS_IS_STYLE_THUMBNAILER (self));

  if (g_strcmp0 (self->clip, path) == 0)
    return;
  g_free (self->clip);
  self->clip = g_strdup (path);
  cs_style_thumbnailer_cancel_pending (self);
}

const char *
cs_style_thumbnailer_get_clip (CsStyleThumbnailer *self)
{
  g_return_val_if_fail (CS_IS_STYLE_THUMBNAILER (self), NULL);
  return self->clip;
}

void
cs_style_thumbnailer_set_height (CsStyleThumbnailer *self,
                                 int                 height)
{
  g_return_if_fail (CS_IS_STYLE_THUMBNAILER (self));
  g_return_if_fail (height > 0);
  self->height = height;
}

int
cs_style_thumbnailer_get_height (CsStyleThumbnailer *self)
{
  g_return_val_if_fail (CS_IS_STYLE_THUMBNAILER (self), 0);
  return self->height;
}

void
cs_style_thumbnailer_set_cache_size (CsStyleThumbnailer *self,
                                     gsize               bytes)
{
  g_return_if_fail (CS_IS_STYLE_THUMBNAILER (self));
  self->cache_limit = bytes;
}

static GBytes *
lookup (CsStyleThumbnailer *self,
        CsStyle            *style,
        gint64              frame,
        guint               reference,
        const CsFaceRect   *face,
        int                *width,
        int                *height)
{
  g_autofree char *key = NULL;
  g_autofree char *signature = NULL;
  Entry *e;

  signature = style_signature (style);
  key = make_reference_key (style, signature, self->clip, frame, self->height, reference, face);
  e = g_hash_table_lookup (self->cache, key);
  if (e == NULL)
    return NULL;
  if (width != NULL)
    *width = e->width;
  if (height != NULL)
    *height = e->height;
  return g_bytes_ref (e->pixels);
}

GBytes *
cs_style_thumbnailer_lookup (CsStyleThumbnailer *self,
                             CsStyle            *style,
                             gint64              frame,
                             int                *width,
                             int                *height)
{
  g_return_val_if_fail (CS_IS_STYLE_THUMBNAILER (self), NULL);
  return lookup (self, style, frame, 0, NULL, width, height);
}

GBytes *
cs_style_thumbnailer_lookup_reference (CsStyleThumbnailer *self,
                                       CsStyle            *style,
                                       gint64              frame,
                                       guint               reference,
                                       const CsFaceRect   *face,
                                       int                *width,
                                       int                *height)
{
  g_return_val_if_fail (CS_IS_STYLE_THUMBNAILER (self), NULL);
  g_return_val_if_fail (CS_IS_STYLE (style), NULL);
  return lookup (self, style, frame, reference, face, width, height);
}

/* Requests match on their key and on the signal that answers them. */
typedef struct {
  const char *cache_key;
  gboolean    by_reference;
} Match;

static gint
find_request (gconstpointer a,
              gconstpointer b)
{
  const Request *r = a;
  const Match *m = b;

  return r->by_reference == m->by_reference ? g_strcmp0 (r->cache_key, m->cache_key) : 1;
}

static void
request (CsStyleThumbnailer *self,
         CsStyle            *style,
         gint64              frame,
         guint               reference,
         const CsFaceRect   *face,
         gboolean            by_reference)
{
  Request *r;
  GList *link;
  Entry *e;
  Match match;
  g_autofree char *key = NULL;
  g_autofree char *signature = NULL;

  signature = style_signature (style);
  key = make_reference_key (style, signature, self->clip, frame, self->height, reference, face);
  e = g_hash_table_lookup (self->cache, key);
  if (e != NULL)
    {
      Result *res = g_new0 (Result, 1);

      g_weak_ref_init (&res->self, self);
      res->request = g_new0 (Request, 1);
      res->request->style_key = g_strdup (cs_style_thumbnailer_style_key (style));
      res->request->frame = frame;
      res->request->reference = reference;
      res->request->by_reference = by_reference;
      res->request->cache_key = g_steal_pointer (&key);
      res->pixels = g_bytes_ref (e->pixels);
      res->width = e->width;
      res->height = e->height;
      g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, deliver, res, (GDestroyNotify) result_free);
      return;
    }

  match.cache_key = key;
  match.by_reference = by_reference;
  g_mutex_lock (&self->lock);
  if (self->current != NULL && find_request (self->current, &match) == 0)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  link = g_queue_find_custom (&self->pending, &match, find_request);
  if (link != NULL)
    {
      g_queue_unlink (&self->pending, link);
      g_queue_push_head_link (&self->pending, link);
    }
  else
    {
      r = g_new0 (Request, 1);
      r->style = style != NULL ? g_object_ref (style) : NULL;
      r->style_key = g_strdup (cs_style_thumbnailer_style_key (style));
      r->signature = g_steal_pointer (&signature);
      r->clip = g_strdup (self->clip);
      r->frame = frame;
      r->height = self->height;
      r->reference = reference;
      r->has_face = face != NULL;
      if (face != NULL)
        r->face = *face;
      r->by_reference = by_reference;
      r->cache_key = g_steal_pointer (&key);
      g_queue_push_head (&self->pending, r);
    }
  if (self->thread == NULL)
    self->thread = g_thread_new ("cs-style-thumbs", worker_main, self);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
cs_style_thumbnailer_request (CsStyleThumbnailer *self,
                              CsStyle            *style,
                              gint64              frame)
{
  g_return_if_fail (CS_IS_STYLE_THUMBNAILER (self));
  g_return_if_fail (style == NULL || CS_IS_STYLE (style));

  request (self, style, frame, 0, NULL, FALSE);
}

void
cs_style_thumbnailer_request_reference (CsStyleThumbnailer *self,
                                        CsStyle            *style,
                                        gint64              frame,
                                        guint               reference,
                                        const CsFaceRect   *face)
{
  g_return_if_fail (CS_IS_STYLE_THUMBNAILER (self));
  g_return_if_fail (CS_IS_STYLE (style));
  g_return_if_fail (face == NULL || (face->width > 0 && face->height > 0));

  request (self, style, frame, reference, face, TRUE);
}

void
cs_style_thumbnailer_cancel_pending (CsStyleThumbnailer *self)
{
  g_return_if_fail (CS_IS_STYLE_THUMBNAILER (self));

  g_mutex_lock (&self->lock);
  drop_pending_locked (self);
  g_mutex_unlock (&self->lock);
}

guint
cs_style_thumbnailer_get_n_pending (CsStyleThumbnailer *self)
{
  guint n;

  g_return_val_if_fail (CS_IS_STYLE_THUMBNAILER (self), 0);

  g_mutex_lock (&self->lock);
  n = self->pending.length + (self->current != NULL ? 1 : 0);
  g_mutex_unlock (&self->lock);
  return n;
}

void
cs_style_thumbnailer_clear_cache (CsStyleThumbnailer *self)
{
  g_return_if_fail (CS_IS_STYLE_THUMBNAILER (self));

  g_hash_table_remove_all (self->cache);
  g_queue_clear_full (&self->order, g_free);
  g_queue_init (&self->order);
  self->cache_bytes = 0;
}
