/* cs-preview.c: styled frames for the editor's preview, made off the UI thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <errno.h>
#include <math.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "cs-media.h"
#include "cs-preview.h"
#include "cs-render-error.h"
#include "cs-style.h"
#include "cs-video-styler.h"
#include "cs-vtoonify.h"
#include "cs-yuv.h"

/* Stylers kept configured at once: each holds a network's buffers at one
 * size, so a handful covers a proxy and a full size of a few styles. */
#define MAX_STYLERS 6
/* A request this many frames past the last decoded one is read forward
 * rather than sought: decoding a few frames is cheaper than a seek. */
#define READ_AHEAD_LIMIT 12

/* ---- CsPreviewFrame ------------------------------------------------------- */

struct _CsPreviewFrame {
  gatomicrefcount ref;
  gint64          index;
  int             width;
  int             height;
  gboolean        proxy;
  GBytes         *original;
  GBytes         *styled;
  double          render_time;
};

G_DEFINE_BOXED_TYPE (CsPreviewFrame, cs_preview_frame, cs_preview_frame_ref, cs_preview_frame_unref)

CsPreviewFrame *
cs_preview_frame_ref (CsPreviewFrame *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
cs_preview_frame_unref (CsPreviewFrame *self)
{
  if (g_atomic_ref_count_dec (&self->ref))
    {
      g_bytes_unref (self->original);
      g_bytes_unref (self->styled);
      g_free (self);
    }
}

gint64   cs_preview_frame_get_index       (CsPreviewFrame *self) { return self->index; }
int      cs_preview_frame_get_width       (CsPreviewFrame *self) { return self->width; }
int      cs_preview_frame_get_height      (CsPreviewFrame *self) { return self->height; }
gboolean cs_preview_frame_is_proxy        (CsPreviewFrame *self) { return self->proxy; }
GBytes  *cs_preview_frame_get_original    (CsPreviewFrame *self) { return self->original; }
GBytes  *cs_preview_frame_get_styled      (CsPreviewFrame *self) { return self->styled; }
double   cs_preview_frame_get_render_time (CsPreviewFrame *self) { return self->render_time; }

static gsize
preview_frame_size (CsPreviewFrame *frame)
{
  gsize size = g_bytes_get_size (frame->styled);

  if (frame->original != frame->styled)
    size += g_bytes_get_size (frame->original);
  return size;
}

/* ---- the cache ------------------------------------------------------------ */

/* The key says everything the pixels depend on: the frame, its size, and
 * what the timeline asks for it. */
static char *
make_key (CsTimeline *timeline,
          GHashTable *vtoonify,
          gint64      frame,
          gboolean    proxy,
          int         proxy_height)
{
  GString *key = g_string_new (NULL);
  CsFrameStyles styles;

  g_string_append_printf (key, "%" G_GINT64_FORMAT "|%d", frame, proxy ? proxy_height : 0);
  if (timeline != NULL && cs_timeline_query_frame (timeline, frame, &styles))
    for (guint k = 0; k < styles.n_styles; k++)
      {
        const CsFrameStyle *fs = &styles.styles[k];
        const char *folder = fs->style != NULL ? cs_style_ref_get_folder (fs->style) : "";

        CsSegment *segment = cs_timeline_get_segment (timeline, fs->segment_index);
        double stability = cs_segment_get_stability (segment);
        CsFaceRect face;

        g_string_append_printf (key, "|%s:%.4f:%.4f:%.3f", folder, fs->weight,
                                fs->style != NULL ? fs->degree : 0.0, stability);
        /* VToonify-D: the reference, the face and the frame its code comes
         * from (the segment's first). Only for those styles, so that moving
         * a cut keeps other styles' frames. */
        if (vtoonify != NULL && g_hash_table_contains (vtoonify, folder))
          {
            g_string_append_printf (key, ":r%u:s%" G_GINT64_FORMAT, cs_segment_get_reference (segment),
                                    cs_segment_get_start (segment));
            if (cs_segment_get_face (segment, &face))
              g_string_append_printf (key, ":f%d,%d,%d,%d", face.x, face.y, face.width, face.height);
          }
      }
  return g_string_free (key, FALSE);
}

/* ---- CsPreview ------------------------------------------------------------ */

struct _CsPreview {
  GObject        parent_instance;

  GMainContext  *context;
  GThread       *thread;
  char          *device_selector;
  CsPrecision    precision;

  /* Main thread only. */
  CsProject     *project;
  gulong         timeline_handler;
  CsPreviewFrame *last;
  gboolean       busy;
  char          *device_name;
  guint          main_serial;  /* source_serial as the main thread knows it */

  /* Shared with the worker, under lock. */
  GMutex         lock;
  GCond          cond;
  gboolean       quit;
  CsTimeline    *timeline;
  char          *source_path;
  guint          source_serial;
  gboolean       has_request;
  gint64         request_frame;
  gboolean       request_quick;
  GCancellable  *current;      /* the request being made, and what it is */
  gint64         current_frame;
  gboolean       current_quick;
  int            proxy_height;
  gsize          cache_limit;
  gsize          cache_used;
  GHashTable    *cache;        /* key → CsPreviewFrame */
  GHashTable    *vtoonify_folders; /* folders of the VToonify-D styles the worker loaded */
  GQueue         lru;          /* keys, most recent first (owned by cache) */
  double         rate[2];      /* frames per second: [0] full, [1] quick */
  guint          n_face_codes; /* VToonify-D face codes computed (atomic) */
};

G_DEFINE_FINAL_TYPE (CsPreview, cs_preview, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BUSY,
  PROP_DEVICE_NAME,
  N_PROPS
};

enum {
  SIGNAL_FRAME_READY,
  SIGNAL_ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static gpointer worker_main (gpointer data);

/* Under lock. */
static void
cache_trim (CsPreview *self,
            gsize      limit)
{
  while (self->cache_used > limit && self->lru.tail != NULL)
    {
      char *key = g_queue_pop_tail (&self->lru);
      CsPreviewFrame *frame = g_hash_table_lookup (self->cache, key);

      self->cache_used -= preview_frame_size (frame);
      g_hash_table_remove (self->cache, key);
    }
}

/* Under lock: the frame, moved to the front, or NULL. */
static CsPreviewFrame *
cache_lookup (CsPreview  *self,
              const char *key)
{
  CsPreviewFrame *frame;
  gpointer stored_key;

  if (!g_hash_table_lookup_extended (self->cache, key, &stored_key, (gpointer *) &frame))
    return NULL;
  g_queue_remove (&self->lru, stored_key);
  g_queue_push_head (&self->lru, stored_key);
  return frame;
}

/* Under lock; takes key. */
static void
cache_insert (CsPreview      *self,
              char           *key,
              CsPreviewFrame *frame)
{
  gsize size = preview_frame_size (frame);

  if (size > self->cache_limit || g_hash_table_contains (self->cache, key))
    {
      g_free (key);
      return;
    }
  cache_trim (self, self->cache_limit - size);
  g_hash_table_insert (self->cache, key, cs_preview_frame_ref (frame));
  g_queue_push_head (&self->lru, key);
  self->cache_used += size;
}

static void
cs_preview_dispose (GObject *object)
{
  CsPreview *self = CS_PREVIEW (object);

  cs_preview_set_project (self, NULL);
  if (self->thread != NULL)
    {
      g_mutex_lock (&self->lock);
      self->quit = TRUE;
      if (self->current != NULL)
        g_cancellable_cancel (self->current);
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->lock);
      g_thread_join (self->thread);
      self->thread = NULL;
    }
  g_clear_pointer (&self->last, cs_preview_frame_unref);

  G_OBJECT_CLASS (cs_preview_parent_class)->dispose (object);
}

static void
cs_preview_finalize (GObject *object)
{
  CsPreview *self = CS_PREVIEW (object);

  g_queue_clear (&self->lru);
  g_hash_table_unref (self->cache);
  g_hash_table_unref (self->vtoonify_folders);
  g_clear_pointer (&self->timeline, cs_timeline_unref);
  g_free (self->source_path);
  g_free (self->device_selector);
  g_free (self->device_name);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (cs_preview_parent_class)->finalize (object);
}

static void
cs_preview_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CsPreview *self = CS_PREVIEW (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    case PROP_DEVICE_NAME:
      g_value_set_string (value, self->device_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_preview_class_init (CsPreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cs_preview_dispose;
  object_class->finalize = cs_preview_finalize;
  object_class->get_property = cs_preview_get_property;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEVICE_NAME] =
    g_param_spec_string ("device-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CsPreview::frame-ready:
   * @frame: the answer (a CsPreviewFrame)
   *
   * A frame the worker made or found in the cache, newest request last.
   */
  signals[SIGNAL_FRAME_READY] =
    g_signal_new ("frame-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CS_TYPE_PREVIEW_FRAME);
  /**
   * CsPreview::error:
   * @error: what went wrong, with a message for the user
   *
   * Something the user should know: a clip that cannot be decoded, a style
   * that cannot be loaded, a device that failed. The preview goes on.
   */
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
cs_preview_init (CsPreview *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->lru);
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) cs_preview_frame_unref);
  self->vtoonify_folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cache_limit = 256 * 1024 * 1024;
  self->proxy_height = 360;
  self->context = g_main_context_ref_thread_default ();
}

CsPreview *
cs_preview_new (const char  *device_selector,
                CsPrecision  precision)
{
  CsPreview *self = g_object_new (CS_TYPE_PREVIEW, NULL);

  self->device_selector = g_strdup (device_selector != NULL && *device_selector ? device_selector : NULL);
  self->precision = precision;
  self->thread = g_thread_new ("cs-preview", worker_main, self);
  return self;
}

/* ---- messages from the worker, run on the main context -------------------- */

typedef struct {
  CsPreview      *self;
  CsPreviewFrame *frame;
  GError         *error;
  char           *device_name;
  gboolean        idle;
  guint           serial;     /* the clip it belongs to */
} Message;

static gboolean
message_dispatch (gpointer data)
{
  Message *message = data;
  CsPreview *self = message->self;

  if (message->device_name != NULL)
    {
      g_free (self->device_name);
      self->device_name = g_strdup (message->device_name);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE_NAME]);
    }
  if (message->error != NULL)
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, message->error);
  if (message->frame != NULL && message->serial == self->main_serial)
    {
      g_clear_pointer (&self->last, cs_preview_frame_unref);
      self->last = cs_preview_frame_ref (message->frame);
      g_signal_emit (self, signals[SIGNAL_FRAME_READY], 0, message->frame);
    }
  if (message->idle)
    {
      gboolean pending;

      g_mutex_lock (&self->lock);
      pending = self->has_request || self->current != NULL;
      g_mutex_unlock (&self->lock);
      if (!pending && self->busy)
        {
          self->busy = FALSE;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
        }
    }
  return G_SOURCE_REMOVE;
}

static void
message_free (gpointer data)
{
  Message *message = data;

  g_object_unref (message->self);
  g_clear_pointer (&message->frame, cs_preview_frame_unref);
  g_clear_error (&message->error);
  g_free (message->device_name);
  g_free (message);
}

/* Takes error. */
static void
post (CsPreview      *self,
      CsPreviewFrame *frame,
      GError         *error,
      const char     *device_name,
      gboolean        idle,
      guint           serial)
{
  Message *message = g_new0 (Message, 1);
  GSource *source;

  message->self = g_object_ref (self);
  message->frame = frame != NULL ? cs_preview_frame_ref (frame) : NULL;
  message->error = error;
  message->device_name = g_strdup (device_name);
  message->idle = idle;
  message->serial = serial;
  /* Always through a source: the worker must never run the dispatch itself,
   * as g_main_context_invoke() would when the main loop is not running. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, message_dispatch, message, message_free);
  g_source_set_static_name (source, "[celshade] preview frame");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* ---- the main thread's side ------------------------------------------------ */

static void
on_timeline_changed (CsProject  *project,
                     GParamSpec *pspec,
                     CsPreview  *self)
{
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->timeline, cs_timeline_unref);
  self->timeline = cs_timeline_ref (cs_project_get_timeline (project));
  g_mutex_unlock (&self->lock);
}

void
cs_preview_set_project (CsPreview *self,
                        CsProject *project)
{
  g_return_if_fail (CS_IS_PREVIEW (self));
  g_return_if_fail (project == NULL || CS_IS_PROJECT (project));

  if (self->project == project)
    return;
  if (self->project != NULL)
    {
      g_clear_signal_handler (&self->timeline_handler, self->project);
      g_clear_object (&self->project);
    }

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->timeline, cs_timeline_unref);
  g_clear_pointer (&self->source_path, g_free);
  if (project != NULL)
    {
      self->timeline = cs_timeline_ref (cs_project_get_timeline (project));
      self->source_path = g_strdup (cs_source_clip_get_path (cs_project_get_source (project)));
    }
  self->main_serial = ++self->source_serial;
  self->has_request = FALSE;
  if (self->current != NULL)
    g_cancellable_cancel (self->current);
  /* Frames of another clip would match the new one's keys. */
  g_queue_clear (&self->lru);
  g_hash_table_remove_all (self->cache);
  self->cache_used = 0;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);

  if (project != NULL)
    {
      self->project = g_object_ref (project);
      self->timeline_handler = g_signal_connect (project, "notify::timeline",
                                                 G_CALLBACK (on_timeline_changed), self);
    }
  g_clear_pointer (&self->last, cs_preview_frame_unref);
}

void
cs_preview_set_proxy_height (CsPreview *self,
                             int        height)
{
  g_return_if_fail (CS_IS_PREVIEW (self));

  g_mutex_lock (&self->lock);
  self->proxy_height = MAX (height, 0) & ~1;
  g_mutex_unlock (&self->lock);
}

void
cs_preview_set_cache_size (CsPreview *self,
                           gsize      bytes)
{
  g_return_if_fail (CS_IS_PREVIEW (self));

  g_mutex_lock (&self->lock);
  self->cache_limit = bytes;
  cache_trim (self, bytes);
  g_mutex_unlock (&self->lock);
}

guint
cs_preview_get_n_face_codes (CsPreview *self)
{
  g_return_val_if_fail (CS_IS_PREVIEW (self), 0);
  return (guint) g_atomic_int_get (&self->n_face_codes);
}

void
cs_preview_clear_cache (CsPreview *self)
{
  g_return_if_fail (CS_IS_PREVIEW (self));

  g_mutex_lock (&self->lock);
  cache_trim (self, 0);
  g_mutex_unlock (&self->lock);
}

void
cs_preview_request (CsPreview *self,
                    gint64     frame,
                    gboolean   quick)
{
  CsPreviewFrame *hit = NULL;

  g_return_if_fail (CS_IS_PREVIEW (self));

  g_mutex_lock (&self->lock);
  if (self->source_path == NULL)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  /* The document as it is now, even when the caller heard of an edit
   * before the preview did. */
  if (self->project != NULL && self->timeline != cs_project_get_timeline (self->project))
    {
      g_clear_pointer (&self->timeline, cs_timeline_unref);
      self->timeline = cs_timeline_ref (cs_project_get_timeline (self->project));
    }
  /* The full frame serves a quick request too. */
  {
    g_autofree char *full = make_key (self->timeline, self->vtoonify_folders, frame, FALSE, 0);

    hit = cache_lookup (self, full);
    if (hit == NULL && self->proxy_height > 0)
      {
        g_autofree char *proxy = make_key (self->timeline, self->vtoonify_folders, frame, TRUE, self->proxy_height);
        CsPreviewFrame *p = cache_lookup (self, proxy);

        if (p != NULL && quick)
          hit = p;
      }
  }
  if (hit != NULL)
    {
      hit = cs_preview_frame_ref (hit);
      /* Nothing older may overwrite the answer. */
      self->has_request = FALSE;
      if (self->current != NULL)
        g_cancellable_cancel (self->current);
    }
  else if (self->current != NULL && self->current_frame == frame &&
           (quick || !self->current_quick) && !self->has_request)
    {
      /* Already being made. */
    }
  else
    {
      self->has_request = TRUE;
      self->request_frame = frame;
      self->request_quick = quick;
      /* A full-size render gives way at once; a quick one is let finish, or
       * a scrub faster than the proxies would never show any. */
      if (self->current != NULL && !self->current_quick)
        g_cancellable_cancel (self->current);
      g_cond_signal (&self->cond);
    }
  g_mutex_unlock (&self->lock);

  if (hit != NULL)
    {
      post (self, hit, NULL, NULL, TRUE, self->main_serial);
      cs_preview_frame_unref (hit);
    }
  else if (!self->busy)
    {
      self->busy = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
}

CsPreviewFrame *
cs_preview_get_frame (CsPreview *self)
{
  g_return_val_if_fail (CS_IS_PREVIEW (self), NULL);
  return self->last;
}

gboolean
cs_preview_get_busy (CsPreview *self)
{
  g_return_val_if_fail (CS_IS_PREVIEW (self), FALSE);
  return self->busy;
}

const char *
cs_preview_get_device_name (CsPreview *self)
{
  g_return_val_if_fail (CS_IS_PREVIEW (self), NULL);
  return self->device_name;
}

double
cs_preview_get_render_rate (CsPreview *self,
                            gboolean   quick)
{
  double rate;

  g_return_val_if_fail (CS_IS_PREVIEW (self), 0.0);
  g_mutex_lock (&self->lock);
  rate = self->rate[quick ? 1 : 0];
  g_mutex_unlock (&self->lock);
  return rate;
}

/* ---- the worker ------------------------------------------------------------ */

typedef struct {
  char          *key;        /* folder|format description */
  CsVideoStyler *styler;
  gint64         used;
  /* The frame it styled last, and its segment: the temporal pass carries
   * on from there only for the next frame of the same stretch. */
  gint64         last_index;
  guint          last_segment;
} StylerEntry;

/* A VToonify-D style at one frame size, and the face codes of the segments
 * that used it: a cross-fade between two segments of one style alternates
 * between their codes on every frame without running the encoder again. */
typedef struct {
  char          *key;        /* folder|size */
  CsVToonify    *vt;
  gint64         used;
  char          *code_key;   /* whose code vt holds: "first frame|face", or NULL */
  GHashTable    *codes;      /* such keys → GBytes of floats */
} VToonifyEntry;

/* At most this many face codes are kept per style and size. */
#define MAX_FACE_CODES 64

typedef struct {
  CsPreview  *self;          /* not a reference: dispose joins the thread */
  CsDevice   *device;
  gboolean    device_failed;
  CsDecoder  *decoder;
  guint       source_serial;
  gint64      last_index;
  GHashTable *styles;        /* folder → CsStyle, or NULL when it failed */
  GPtrArray  *stylers;       /* StylerEntry */
  GPtrArray  *vtoonify;      /* VToonifyEntry */
  gint64      clock;
  struct SwsContext *scale;  /* to the size the styler runs at */
  struct SwsContext *to_rgba;
} Worker;

static void
wpost (Worker         *w,
       CsPreviewFrame *frame,
       GError         *error,
       const char     *device_name,
       gboolean        idle)
{
  post (w->self, frame, error, device_name, idle, w->source_serial);
}

static void
styler_entry_free (gpointer data)
{
  StylerEntry *entry = data;

  g_free (entry->key);
  g_object_unref (entry->styler);
  g_free (entry);
}

static void
vtoonify_entry_free (gpointer data)
{
  VToonifyEntry *entry = data;

  g_free (entry->key);
  g_free (entry->code_key);
  g_hash_table_unref (entry->codes);
  g_object_unref (entry->vt);
  g_free (entry);
}

static void
worker_forget_clip (Worker *w)
{
  g_clear_object (&w->decoder);
  g_ptr_array_set_size (w->stylers, 0);
  g_ptr_array_set_size (w->vtoonify, 0);
  w->last_index = -1;
}

static gboolean
worker_ensure_device (Worker *w)
{
  g_autoptr(GError) error = NULL;

  if (w->device != NULL || w->device_failed)
    return w->device != NULL;

  w->device = cs_device_new (w->self->device_selector, &error);
  if (w->device == NULL && w->self->device_selector != NULL)
    {
      GError *report = g_error_new (CS_RENDER_ERROR, CS_RENDER_ERROR_FAILED,
                                    _("The device “%s” could not be opened (%s); "
                                      "using another one instead"),
                                    w->self->device_selector, error->message);
      wpost (w, NULL, report, NULL, FALSE);
      g_clear_error (&error);
      w->device = cs_device_new (NULL, &error);
    }
  if (w->device == NULL)
    {
      GError *report = g_error_new (CS_RENDER_ERROR, CS_RENDER_ERROR_FAILED,
                                    _("No Vulkan device can run styles (%s); the preview "
                                      "shows the original frames. Installing Mesa's "
                                      "Vulkan drivers (lavapipe) lets the CPU run them"),
                                    error->message);
      wpost (w, NULL, report, NULL, FALSE);
      w->device_failed = TRUE;
      return FALSE;
    }
  wpost (w, NULL, NULL, cs_device_get_name (w->device), FALSE);
  return TRUE;
}

/* The style loaded for folder, or NULL (said once) when it cannot be. */
static CsStyle *
worker_get_style (Worker     *w,
                  const char *folder)
{
  g_autoptr(GError) error = NULL;
  CsStyle *style;

  if (g_hash_table_lookup_extended (w->styles, folder, NULL, (gpointer *) &style))
    return style;

  style = cs_style_new_from_folder (folder, &error);
  if (style == NULL)
    wpost (w, NULL,
          g_error_new (CS_RENDER_ERROR, CS_RENDER_ERROR_FAILED,
                       _("The style in “%s” cannot be used (%s); its segments show "
                         "the original frames. Choose another style for them"),
                       folder, error->message),
          NULL, FALSE);
  g_hash_table_insert (w->styles, g_strdup (folder), style);
  if (style != NULL && cs_style_is_vtoonify (style))
    {
      g_mutex_lock (&w->self->lock);
      g_hash_table_add (w->self->vtoonify_folders, g_strdup (folder));
      g_mutex_unlock (&w->self->lock);
    }
  return style;
}

static StylerEntry *
worker_get_styler (Worker            *w,
                   CsStyle           *style,
                   const CsYuvFormat *format,
                   GError           **error)
{
  g_autofree char *description = cs_yuv_format_describe (format);
  g_autofree char *key = g_strdup_printf ("%s|%dx%d|%s", cs_style_get_folder (style),
                                          format->width, format->height, description);
  g_autoptr(CsVideoStyler) styler = NULL;
  StylerEntry *entry;

  for (guint i = 0; i < w->stylers->len; i++)
    {
      entry = g_ptr_array_index (w->stylers, i);
      if (g_str_equal (entry->key, key))
        {
          entry->used = ++w->clock;
          return entry;
        }
    }

  styler = cs_video_styler_new (w->device, style, w->self->precision, error);
  if (styler == NULL || !cs_video_styler_configure (styler, format, format, error))
    return NULL;

  if (w->stylers->len >= MAX_STYLERS)
    {
      guint oldest = 0;

      for (guint i = 1; i < w->stylers->len; i++)
        if (((StylerEntry *) g_ptr_array_index (w->stylers, i))->used <
            ((StylerEntry *) g_ptr_array_index (w->stylers, oldest))->used)
          oldest = i;
      g_ptr_array_remove_index_fast (w->stylers, oldest);
    }
  entry = g_new0 (StylerEntry, 1);
  entry->key = g_steal_pointer (&key);
  entry->styler = g_steal_pointer (&styler);
  entry->used = ++w->clock;
  entry->last_index = -1;
  g_ptr_array_add (w->stylers, entry);
  return entry;
}

/* The CsVToonify of style at width x height: one per style and size, as
 * each keeps its networks prepared for one size (a proxy and the full frame
 * alternate on every resting request). */
static VToonifyEntry *
worker_get_vtoonify (Worker     *w,
                     CsStyle    *style,
                     int         width,
                     int         height,
                     GError    **error)
{
  g_autofree char *key = g_strdup_printf ("%s|%dx%d", cs_style_get_folder (style), width, height);
  VToonifyEntry *entry;
  CsVToonify *vt;

  for (guint i = 0; i < w->vtoonify->len; i++)
    {
      entry = g_ptr_array_index (w->vtoonify, i);
      if (g_str_equal (entry->key, key))
        {
          entry->used = ++w->clock;
          return entry;
        }
    }

  vt = cs_vtoonify_new (style, w->device, w->self->precision, error);
  if (vt == NULL)
    return NULL;
  if (w->vtoonify->len >= MAX_STYLERS)
    {
      guint oldest = 0;

      for (guint i = 1; i < w->vtoonify->len; i++)
        if (((VToonifyEntry *) g_ptr_array_index (w->vtoonify, i))->used <
            ((VToonifyEntry *) g_ptr_array_index (w->vtoonify, oldest))->used)
          oldest = i;
      g_ptr_array_remove_index_fast (w->vtoonify, oldest);
    }
  entry = g_new0 (VToonifyEntry, 1);
  entry->key = g_steal_pointer (&key);
  entry->vt = vt;
  entry->used = ++w->clock;
  entry->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  g_ptr_array_add (w->vtoonify, entry);
  return entry;
}

static CsFrame *worker_decode (Worker *w, gint64 index, GCancellable *cancellable, GError **error);
static AVFrame *worker_scale (Worker *w, const AVFrame *frame, int width, int height);

/* frame (already scaled to format's size) through segment's VToonify-D
 * settings: the segment's code comes from its first frame, as in a render,
 * whichever frame the user looks at first. */
static AVFrame *
worker_run_vtoonify (Worker            *w,
                     CsStyle           *style,
                     CsSegment         *segment,
                     double             degree,
                     const AVFrame     *frame,
                     int                clip_width,
                     int                clip_height,
                     const CsYuvFormat *format,
                     GCancellable      *cancellable,
                     GError           **error)
{
  VToonifyEntry *entry = worker_get_vtoonify (w, style, format->width, format->height, error);
  gint64 start = cs_segment_get_start (segment);
  g_autofree char *code_key = NULL;
  CsFaceRect face;
  gboolean has_face;
  CsVToonify *vt;

  if (entry == NULL)
    return NULL;
  vt = entry->vt;

  /* The rectangle is in clip pixels; the frame may be a proxy. */
  has_face = cs_segment_get_face (segment, &face);
  if (has_face && (format->width != clip_width || format->height != clip_height))
    {
      double sx = (double) format->width / clip_width, sy = (double) format->height / clip_height;
      double x0 = face.x * sx, y0 = face.y * sy;

      face = (CsFaceRect) { (int) floor (x0), (int) floor (y0),
                            MAX (1, (int) lround (face.width * sx)), MAX (1, (int) lround (face.height * sy)) };
    }
  if (!cs_vtoonify_set_reference (vt, cs_segment_get_reference (segment), error) ||
      !cs_vtoonify_set_degree (vt, degree, error))
    return NULL;
  cs_vtoonify_set_face (vt, has_face ? &face : NULL);

  /* The code comes from the segment's first frame and its face rectangle. */
  code_key = has_face ? g_strdup_printf ("%" G_GINT64_FORMAT "|%d,%d,%d,%d", start, face.x, face.y,
                                         face.width, face.height)
                      : g_strdup_printf ("%" G_GINT64_FORMAT "|centre", start);
  if (g_strcmp0 (entry->code_key, code_key) != 0 || !cs_vtoonify_has_face_code (vt))
    {
      GBytes *kept = g_hash_table_lookup (entry->codes, code_key);

      g_clear_pointer (&entry->code_key, g_free);
      if (kept != NULL)
        {
          if (!cs_vtoonify_set_face_code (vt, g_bytes_get_data (kept, NULL),
                                          g_bytes_get_size (kept) / sizeof (float), error))
            return NULL;
        }
      else
        {
          g_autoptr(CsFrame) first = worker_decode (w, start, cancellable, error);
          AVFrame *scaled;
          g_autoptr(CsImage) image = NULL;
          const float *code;
          gsize n;

          if (first == NULL)
            return NULL;
          scaled = worker_scale (w, cs_frame_get_av_frame (first), format->width, format->height);
          image = cs_vtoonify_frame_to_image (vt, scaled, format, error);
          av_frame_free (&scaled);
          if (image == NULL || !cs_vtoonify_compute_face_code (vt, image, error))
            return NULL;
          g_atomic_int_inc (&w->self->n_face_codes);
          code = cs_vtoonify_get_face_code (vt, &n);
          if (g_hash_table_size (entry->codes) >= MAX_FACE_CODES)
            g_hash_table_remove_all (entry->codes);
          g_hash_table_insert (entry->codes, g_strdup (code_key), g_bytes_new (code, n * sizeof (float)));
        }
      entry->code_key = g_steal_pointer (&code_key);
    }
  return cs_vtoonify_run_frame (vt, frame, format, format, error);
}

static gboolean
worker_open_clip (Worker     *w,
                  const char *path)
{
  GError *error = NULL;

  worker_forget_clip (w);
  w->decoder = cs_decoder_new (path, NULL, &error);
  if (w->decoder == NULL)
    {
      wpost (w, NULL, error, NULL, FALSE);
      return FALSE;
    }
  return TRUE;
}

static CsFrame *
worker_decode (Worker       *w,
               gint64        index,
               GCancellable *cancellable,
               GError      **error)
{
  CsFrame *frame = NULL;

  if (w->last_index >= 0 && index > w->last_index && index - w->last_index <= READ_AHEAD_LIMIT)
    {
      while (w->last_index < index)
        {
          g_clear_pointer (&frame, cs_frame_unref);
          frame = cs_decoder_next_frame (w->decoder, cancellable, error);
          if (frame == NULL)
            {
              w->last_index = -1;
              if (error != NULL && *error == NULL)
                g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_FAILED,
                             _("Frame %" G_GINT64_FORMAT " is past the end of the clip"), index);
              return NULL;
            }
          w->last_index = cs_frame_get_index (frame);
        }
      if (w->last_index == index)
        return frame;
      g_clear_pointer (&frame, cs_frame_unref);
    }

  frame = cs_decoder_seek_frame (w->decoder, index, cancellable, error);
  w->last_index = frame != NULL ? cs_frame_get_index (frame) : -1;
  return frame;
}

/* The size a player shows the clip at (square pixels), scaled to height
 * (0: the clip's own height); even sides, as 4:2:0 needs. */
static void
display_size (const AVFrame *frame,
              int            height,
              int           *out_w,
              int           *out_h)
{
  double sar = frame->sample_aspect_ratio.num > 0 && frame->sample_aspect_ratio.den > 0
    ? av_q2d (frame->sample_aspect_ratio) : 1.0;
  double w = frame->width * sar;
  double h = frame->height;

  if (height > 0 && height < frame->height)
    {
      w = w * height / h;
      h = height;
    }
  *out_w = MAX (2, ((int) lround (w) + 1) & ~1);
  *out_h = MAX (2, ((int) lround (h) + 1) & ~1);
}

static int
sws_colorspace (const AVFrame *frame)
{
  switch (frame->colorspace)
    {
    case AVCOL_SPC_BT709: return SWS_CS_ITU709;
    case AVCOL_SPC_FCC: return SWS_CS_FCC;
    case AVCOL_SPC_SMPTE240M: return SWS_CS_SMPTE240M;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL: return SWS_CS_BT2020;
    case AVCOL_SPC_UNSPECIFIED:
      return frame->height > 576 ? SWS_CS_ITU709 : SWS_CS_ITU601;
    default: return SWS_CS_ITU601;
    }
}

/* frame scaled to w × h in a format the styler reads, keeping its colour
 * description; frame itself when it already is one. */
static AVFrame *
worker_scale (Worker        *w,
              const AVFrame *frame,
              int            width,
              int            height)
{
  enum AVPixelFormat format = cs_yuv_format_is_supported (frame->format)
    ? frame->format : AV_PIX_FMT_YUV420P;
  AVFrame *out;

  if (width == frame->width && height == frame->height && format == frame->format)
    return av_frame_clone (frame);

  out = av_frame_alloc ();
  out->format = format;
  out->width = width;
  out->height = height;
  if (av_frame_get_buffer (out, 0) < 0)
    g_error ("Out of memory while allocating a %d×%d frame", width, height);
  av_frame_copy_props (out, frame);
  out->sample_aspect_ratio = (AVRational) { 1, 1 };

  w->scale = sws_getCachedContext (w->scale, frame->width, frame->height, frame->format,
                                   width, height, format, SWS_BICUBIC, NULL, NULL, NULL);
  if (format != frame->format)
    {
      int full = frame->color_range == AVCOL_RANGE_JPEG;
      const int *coefs = sws_getCoefficients (sws_colorspace (frame));

      sws_setColorspaceDetails (w->scale, coefs, full, coefs, 0, 0, 1 << 16, 1 << 16);
      out->color_range = AVCOL_RANGE_MPEG;
    }
  sws_scale (w->scale, (const uint8_t * const *) frame->data, frame->linesize, 0, frame->height,
             out->data, out->linesize);
  return out;
}

static GBytes *
worker_to_rgba (Worker        *w,
                const AVFrame *frame)
{
  gsize stride = (gsize) frame->width * 4;
  /* swscale's vector code may write a little past the last row. */
  guint8 *pixels = g_malloc (stride * frame->height + 256);
  uint8_t *dst[4] = { pixels };
  int dst_stride[4] = { (int) stride };
  int full = frame->color_range == AVCOL_RANGE_JPEG;
  const int *coefs = sws_getCoefficients (sws_colorspace (frame));

  w->to_rgba = sws_getCachedContext (w->to_rgba, frame->width, frame->height, frame->format,
                                     frame->width, frame->height, AV_PIX_FMT_RGBA,
                                     SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT,
                                     NULL, NULL, NULL);
  sws_setColorspaceDetails (w->to_rgba, coefs, full, coefs, 1, 0, 1 << 16, 1 << 16);
  sws_scale (w->to_rgba, (const uint8_t * const *) frame->data, frame->linesize, 0,
             frame->height, dst, dst_stride);
  return g_bytes_new_with_free_func (pixels, stride * frame->height, g_free, pixels);
}

/* acc = acc + weight · part, both RGBA; alpha stays opaque. */
static void
accumulate (float        *acc,
            GBytes       *part,
            double        weight)
{
  gsize n;
  const guint8 *p = g_bytes_get_data (part, &n);

  for (gsize i = 0; i < n; i++)
    acc[i] += (float) (weight * p[i]);
}

/* Makes one frame at the proxy size (proxy) or the full size. Returns NULL
 * when cancelled or when the frame cannot be made (said through "error"). */
static CsPreviewFrame *
worker_render (Worker       *w,
               CsTimeline   *timeline,
               gint64        index,
               gboolean      proxy,
               int           proxy_height,
               GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsFrame) decoded = NULL;
  AVFrame *scaled;
  CsPreviewFrame *result;
  CsFrameStyles styles = { 0 };
  CsYuvFormat format;
  gint64 start = g_get_monotonic_time ();
  int width, height;
  gboolean any_style = FALSE;

  decoded = worker_decode (w, index, cancellable, &error);
  if (decoded == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_cancellable_is_cancelled (cancellable))
        wpost (w, NULL, g_steal_pointer (&error), NULL, FALSE);
      return NULL;
    }

  display_size (cs_frame_get_av_frame (decoded), proxy ? proxy_height : 0, &width, &height);
  scaled = worker_scale (w, cs_frame_get_av_frame (decoded), width, height);

  result = g_new0 (CsPreviewFrame, 1);
  g_atomic_ref_count_init (&result->ref);
  result->index = index;
  result->width = width;
  result->height = height;
  result->proxy = proxy;
  result->original = worker_to_rgba (w, scaled);

  if (timeline != NULL && !cs_timeline_query_frame (timeline, index, &styles))
    styles.n_styles = 0;
  /* VToonify-D runs at degree 0 too: its degree is the network's input. */
  for (guint k = 0; k < styles.n_styles; k++)
    if (styles.styles[k].style != NULL)
      {
        CsStyle *style = worker_get_style (w, cs_style_ref_get_folder (styles.styles[k].style));

        if (style != NULL && (styles.styles[k].degree > 0.0 || cs_style_is_vtoonify (style)))
          any_style = TRUE;
      }

  if (any_style && worker_ensure_device (w) &&
      cs_yuv_format_init_from_frame (&format, scaled, &error))
    {
      gsize n = g_bytes_get_size (result->original);
      g_autofree float *acc = g_new0 (float, n);
      gboolean ok = TRUE;
      guint ran = 0;

      for (guint k = 0; k < styles.n_styles && ok; k++)
        {
          const CsFrameStyle *fs = &styles.styles[k];
          CsStyle *style = fs->style != NULL ? worker_get_style (w, cs_style_ref_get_folder (fs->style)) : NULL;
          StylerEntry *entry = NULL;
          AVFrame *out = NULL;
          g_autoptr(GBytes) rgba = NULL;

          if (style != NULL && !(fs->degree > 0.0) && !cs_style_is_vtoonify (style))
            style = NULL;
          if (style == NULL)
            {
              accumulate (acc, result->original, fs->weight);
              continue;
            }
          if (cs_style_is_vtoonify (style))
            out = worker_run_vtoonify (w, style, cs_timeline_get_segment (timeline, fs->segment_index),
                                       fs->degree, scaled, cs_frame_get_width (decoded),
                                       cs_frame_get_height (decoded), &format, cancellable, &error);
          else
            entry = worker_get_styler (w, style, &format, &error);
          if (entry != NULL)
            {
              CsSegment *segment = cs_timeline_get_segment (timeline, fs->segment_index);
              /* Playing (or stepping) on: the previous frame is at hand, so
               * this one is stabilized against it; anything else starts
               * afresh, as a single scrubbed frame must. */
              gboolean carries_on = entry->last_index == index - 1 &&
                                    (entry->last_segment == fs->segment_index || styles.n_styles > 1);

              if (!carries_on)
                cs_video_styler_reset_history (entry->styler);
              cs_video_styler_set_stability (entry->styler, cs_segment_get_stability (segment));
              entry->last_index = -1;
              out = cs_video_styler_process (entry->styler, scaled, fs->degree, cancellable, &error);
              if (out != NULL)
                {
                  entry->last_index = index;
                  entry->last_segment = fs->segment_index;
                }
            }
          if (out == NULL)
            {
              if (!g_cancellable_is_cancelled (cancellable))
                wpost (w, NULL, g_steal_pointer (&error), NULL, FALSE);
              ok = FALSE;
              break;
            }
          rgba = worker_to_rgba (w, out);
          av_frame_free (&out);
          ran++;
          if (styles.n_styles == 1)
            {
              result->styled = g_steal_pointer (&rgba);
              break;
            }
          accumulate (acc, rgba, fs->weight);
        }

      if (!ok)
        {
          av_frame_free (&scaled);
          cs_preview_frame_unref (result);
          return NULL;
        }
      /* No style could run: the original, as the same bytes. */
      if (result->styled == NULL && ran == 0)
        result->styled = g_bytes_ref (result->original);
      if (result->styled == NULL)
      {
        guint8 *styled = g_malloc (n);

        for (gsize i = 0; i < n; i++)
          styled[i] = (guint8) CLAMP (acc[i] + 0.5f, 0.0f, 255.0f);
        result->styled = g_bytes_new_take (styled, n);
      }
    }
  else
    {
      if (error != NULL)
        wpost (w, NULL, g_steal_pointer (&error), NULL, FALSE);
      result->styled = g_bytes_ref (result->original);
    }
  av_frame_free (&scaled);
  result->render_time = (g_get_monotonic_time () - start) / 1e6;
  return result;
}

static void
worker_note_rate (Worker  *w,
                  gboolean quick,
                  double   seconds)
{
  CsPreview *self = w->self;
  double rate = seconds > 0.0 ? 1.0 / seconds : 0.0;

  g_mutex_lock (&self->lock);
  /* A moving average: steady enough to decide on audio, quick to follow. */
  self->rate[quick ? 1 : 0] = self->rate[quick ? 1 : 0] > 0.0
    ? 0.7 * self->rate[quick ? 1 : 0] + 0.3 * rate : rate;
  g_mutex_unlock (&self->lock);
}

/* Renders one quality of a frame, caches and posts it; FALSE when it was
 * dropped (cancelled or failed). */
static gboolean
worker_make (Worker       *w,
             CsTimeline   *timeline,
             gint64        index,
             gboolean      proxy,
             int           proxy_height,
             GCancellable *cancellable)
{
  CsPreviewFrame *frame;

  frame = worker_render (w, timeline, index, proxy, proxy_height, cancellable);
  if (frame == NULL)
    return FALSE;
  if (frame->styled != frame->original)
    worker_note_rate (w, proxy, frame->render_time);

  g_mutex_lock (&w->self->lock);
  if (w->source_serial == w->self->source_serial)
    cache_insert (w->self, make_key (timeline, w->self->vtoonify_folders, index, proxy, proxy_height), frame);
  g_mutex_unlock (&w->self->lock);

  if (!g_cancellable_is_cancelled (cancellable))
    wpost (w, frame, NULL, NULL, FALSE);
  cs_preview_frame_unref (frame);
  return !g_cancellable_is_cancelled (cancellable);
}

static void
clear_object (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

/* Rendering yields to the UI: the worker, and the threads it starts (the
 * decoder's, and a CPU device's own), run at a lower priority, so that on a
 * machine whose cores all render the window still answers at once. Linux
 * keeps a niceness per thread, inherited by the threads it creates. */
void
cs_preview_lower_thread_priority (void)
{
#ifdef SYS_gettid
  id_t tid = (id_t) syscall (SYS_gettid);
  int now;

  errno = 0;
  now = getpriority (PRIO_PROCESS, tid);
  if (errno == 0)
    setpriority (PRIO_PROCESS, tid, MIN (now + 10, 19));
#endif
}

static gpointer
worker_main (gpointer data)
{
  CsPreview *self = data;
  Worker w = { .self = self, .last_index = -1 };

  cs_preview_lower_thread_priority ();

  w.styles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, clear_object);
  w.stylers = g_ptr_array_new_with_free_func (styler_entry_free);
  w.vtoonify = g_ptr_array_new_with_free_func (vtoonify_entry_free);

  g_mutex_lock (&self->lock);
  while (!self->quit)
    {
      g_autoptr(CsTimeline) timeline = NULL;
      g_autoptr(GCancellable) cancellable = NULL;
      g_autofree char *path = NULL;
      g_autofree char *proxy_key = NULL;
      g_autofree char *full_key = NULL;
      gboolean reopen, quick, want_proxy, have_proxy;
      gint64 index;
      int proxy_height;

      if (!self->has_request)
        {
          g_cond_wait (&self->cond, &self->lock);
          continue;
        }
      self->has_request = FALSE;
      index = self->request_frame;
      quick = self->request_quick;
      proxy_height = self->proxy_height;
      timeline = self->timeline != NULL ? cs_timeline_ref (self->timeline) : NULL;
      reopen = w.source_serial != self->source_serial || w.decoder == NULL;
      path = g_strdup (self->source_path);
      w.source_serial = self->source_serial;
      cancellable = g_cancellable_new ();
      g_set_object (&self->current, cancellable);
      self->current_frame = index;
      self->current_quick = quick;
      proxy_key = make_key (timeline, self->vtoonify_folders, index, TRUE, proxy_height);
      full_key = make_key (timeline, self->vtoonify_folders, index, FALSE, 0);
      have_proxy = g_hash_table_contains (self->cache, proxy_key);
      g_mutex_unlock (&self->lock);

      if (path == NULL || (reopen && !worker_open_clip (&w, path)))
        {
          if (path == NULL)
            worker_forget_clip (&w);
          goto done;
        }
      if (reopen)
        g_hash_table_remove_all (w.styles);

      /* A proxy no bigger than the clip is the full frame already. */
      want_proxy = proxy_height > 0 &&
                   proxy_height < cs_decoder_get_video_info (w.decoder)->height;
      if (want_proxy && (quick || !have_proxy))
        {
          if (!worker_make (&w, timeline, index, TRUE, proxy_height, cancellable))
            goto done;
        }
      if (quick && want_proxy)
        goto done;

      g_mutex_lock (&self->lock);
      if (self->has_request)
        {
          g_mutex_unlock (&self->lock);
          goto done;
        }
      g_mutex_unlock (&self->lock);
      worker_make (&w, timeline, index, FALSE, 0, cancellable);

    done:
      g_mutex_lock (&self->lock);
      if (self->current == cancellable)
        g_clear_object (&self->current);
      if (!self->has_request)
        post (self, NULL, NULL, NULL, TRUE, w.source_serial);
    }
  g_clear_object (&self->current);
  g_mutex_unlock (&self->lock);

  worker_forget_clip (&w);
  g_ptr_array_unref (w.stylers);
  g_ptr_array_unref (w.vtoonify);
  g_hash_table_unref (w.styles);
  g_clear_object (&w.device);
  sws_freeContext (w.scale);
  sws_freeContext (w.to_rgba);
  return NULL;
}
