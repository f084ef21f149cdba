/* cs-export-job.c: one export running in the background
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <errno.h>
#include <math.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "cs-export-job.h"
#include "cs-media.h"
#include "cs-preview.h"
#include "cs-render-error.h"

struct _CsExportJob
{
  GObject         parent_instance;

  CsClipRenderer *renderer;      /* until the run ends */
  char           *output;
  char           *device_selector;
  GCancellable   *cancellable;
  GMainContext   *context;
  GApplication   *held;

  CsExportState   state;
  GError         *error;

  /* Seen on the main context. */
  double          fraction;
  double          eta;
  double          fps;
  gint64          n_frames;

  /* Written by the render's thread, read under the lock. */
  GMutex          lock;
  double          t_fraction;
  double          t_eta;
  double          t_fps;
  gint64          t_n_frames;
  gint64          t_first_us;    /* when the first frame was done */
  double          t_first_fraction;
  gboolean        update_queued;
};

G_DEFINE_FINAL_TYPE (CsExportJob, cs_export_job, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (CsExportState, cs_export_state,
  G_DEFINE_ENUM_VALUE (CS_EXPORT_STATE_READY, "ready"),
  G_DEFINE_ENUM_VALUE (CS_EXPORT_STATE_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (CS_EXPORT_STATE_DONE, "done"),
  G_DEFINE_ENUM_VALUE (CS_EXPORT_STATE_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (CS_EXPORT_STATE_CANCELLED, "cancelled"))

enum {
  PROP_0,
  PROP_STATE,
  PROP_FRACTION,
  PROP_ETA,
  PROP_FPS,
  PROP_OUTPUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Progress --------------------------------------------------------------------------------- */

static gboolean
deliver_progress (gpointer data)
{
  CsExportJob *self = data;
  double fraction, eta, fps;

  g_mutex_lock (&self->lock);
  self->update_queued = FALSE;
  fraction = self->t_fraction;
  eta = self->t_eta;
  fps = self->t_fps;
  self->n_frames = self->t_n_frames;
  g_mutex_unlock (&self->lock);

  /* A late update must not move a finished job's figures. */
  if (self->state != CS_EXPORT_STATE_RUNNING)
    return G_SOURCE_REMOVE;

  g_object_freeze_notify (G_OBJECT (self));
  if (fraction != self->fraction)
    {
      self->fraction = fraction;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
    }
  if (eta != self->eta)
    {
      self->eta = eta;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ETA]);
    }
  if (fps != self->fps)
    {
      self->fps = fps;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FPS]);
    }
  g_object_thaw_notify (G_OBJECT (self));
  return G_SOURCE_REMOVE;
}

/* Runs on the render's thread after each frame. Updates are coalesced: a
 * fast GPU must not flood the main loop with one idle per frame. */
static void
on_progress (CsClipRenderer *renderer,
             double          fraction,
             double          eta_seconds,
             gpointer        user_data)
{
  CsExportJob *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 n = cs_clip_renderer_get_n_frames (renderer);
  gboolean queue;

  g_mutex_lock (&self->lock);
  self->t_fraction = CLAMP (fraction, 0.0, 1.0);
  self->t_eta = eta_seconds;
  self->t_n_frames = MAX (n, 0);
  /* The rate from the first frame on leaves out opening the clip and
   * preparing the networks, which would make it look slower than it is. */
  if (self->t_first_us == 0)
    {
      self->t_first_us = now;
      self->t_first_fraction = fraction;
    }
  else if (n > 0 && now > self->t_first_us)
    self->t_fps = (fraction - self->t_first_fraction) * n / ((now - self->t_first_us) / (double) G_USEC_PER_SEC);
  queue = !self->update_queued;
  self->update_queued = TRUE;
  g_mutex_unlock (&self->lock);

  if (queue)
    g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT_IDLE, deliver_progress,
                                g_object_ref (self), g_object_unref);
}

/* Running ---------------------------------------------------------------------------------- */

static void
set_state (CsExportJob   *self,
           CsExportState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* The render's thread runs below the UI and below the preview (the
 * decoder's and the encoder's threads it starts inherit it): while the user
 * scrubs, the frame on screen comes first; when nothing else runs, the
 * export has every core anyway. */
static void
lower_priority (void)
{
  cs_preview_lower_thread_priority ();
#ifdef SYS_gettid
  {
    id_t tid = (id_t) syscall (SYS_gettid);
    int now;

    errno = 0;
    now = getpriority (PRIO_PROCESS, tid);
    if (errno == 0)
      setpriority (PRIO_PROCESS, tid, MIN (now + 5, 19));
  }
#endif
}

static gpointer
export_thread (gpointer data)
{
  g_autoptr(GTask) task = data;
  CsExportJob *self = g_task_get_source_object (task);
  CsClipRenderer *renderer = g_task_get_task_data (task);
  g_autoptr(CsDevice) device = NULL;
  g_autoptr(GError) error = NULL;

  lower_priority ();

  /* The device the preferences name; one that cannot be opened falls back
   * to the automatic choice, as the preview does. */
  if (self->device_selector != NULL && *self->device_selector != '\0')
    {
      device = cs_device_new (self->device_selector, &error);
      if (device == NULL)
        {
          g_debug ("export: device “%s”: %s; choosing automatically",
                   self->device_selector, error->message);
          g_clear_error (&error);
        }
    }
  if (device != NULL)
    cs_clip_renderer_set_device (renderer, device);

  if (cs_clip_renderer_run (renderer, g_task_get_cancellable (task), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
  return NULL;
}

static void
on_run_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  CsExportJob *self = CS_EXPORT_JOB (source);
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  CsExportState state;

  if (ok)
    {
      state = CS_EXPORT_STATE_DONE;
      self->fraction = 1.0;
      self->eta = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ETA]);
    }
  else if (g_error_matches (error, CS_RENDER_ERROR, CS_RENDER_ERROR_CANCELLED) ||
           g_error_matches (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_CANCELLED) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    state = CS_EXPORT_STATE_CANCELLED;
  else
    {
      state = CS_EXPORT_STATE_FAILED;
      self->error = g_steal_pointer (&error);
    }

  /* The renderer holds the progress function's reference to the job. */
  g_clear_object (&self->renderer);
  set_state (self, state);
  if (self->held != NULL)
    {
      g_application_release (self->held);
      g_clear_object (&self->held);
    }
}

void
cs_export_job_start (CsExportJob *self)
{
  g_autoptr(GTask) task = NULL;
  GApplication *app;

  g_return_if_fail (CS_IS_EXPORT_JOB (self));
  g_return_if_fail (self->state == CS_EXPORT_STATE_READY);

  self->context = g_main_context_ref_thread_default ();
  app = g_application_get_default ();
  if (app != NULL)
    {
      self->held = g_object_ref (app);
      g_application_hold (app);
    }
  cs_clip_renderer_set_progress_func (self->renderer, on_progress, g_object_ref (self), g_object_unref);
  set_state (self, CS_EXPORT_STATE_RUNNING);

  task = g_task_new (self, self->cancellable, on_run_done, NULL);
  g_task_set_source_tag (task, cs_export_job_start);
  g_task_set_task_data (task, g_object_ref (self->renderer), g_object_unref);
  /* A thread of its own rather than GTask's pool: its lowered priority
   * must not stay with a pool thread that later does the UI's errands. */
  g_thread_unref (g_thread_new ("cs-export", export_thread, g_steal_pointer (&task)));
}

void
cs_export_job_set_device (CsExportJob *self,
                          const char  *selector)
{
  g_return_if_fail (CS_IS_EXPORT_JOB (self));
  g_return_if_fail (self->state == CS_EXPORT_STATE_READY);

  g_free (self->device_selector);
  self->device_selector = g_strdup (selector);
}

void
cs_export_job_cancel (CsExportJob *self)
{
  g_return_if_fail (CS_IS_EXPORT_JOB (self));

  if (self->state == CS_EXPORT_STATE_RUNNING)
    g_cancellable_cancel (self->cancellable);
}

/* Getters ---------------------------------------------------------------------------------- */

CsExportState
cs_export_job_get_state (CsExportJob *self)
{
  g_return_val_if_fail (CS_IS_EXPORT_JOB (self), CS_EXPORT_STATE_READY);
  return self->state;
}

gboolean
cs_export_job_is_running (CsExportJob *self)
{
  g_return_val_if_fail (CS_IS_EXPORT_JOB (self), FALSE);
  return self->state == CS_EXPORT_STATE_RUNNING;
}

const char *
cs_export_job_get_output (CsExportJob *self)
{
  g_return_val_if_fail (CS_IS_EXPORT_JOB (self), NULL);
  return self->output;
}

double
cs_export_job_get_fraction (CsExportJob *self)
{
  g_return_val_if_fail (CS_IS_EXPORT_JOB (self), 0);
  return self->fraction;
}

double
cs_export_job_get_eta (CsExportJob *self)
{
  g_return_val_if_fail (CS_IS_EXPORT_JOB (self), -1);
  return self->eta;
}

double
cs_export_job_get_fps (CsExportJob *self)
{
  g_return_val_if_fail (CS_IS_EXPORT_JOB (self), 0);
  return self->fps;
}

gint64
cs_export_job_get_n_frames (CsExportJob *self)
{
  g_return_val_if_fail (CS_IS_EXPORT_JOB (self), 0);
  return self->n_frames;
}

const GError *
cs_export_job_get_error (CsExportJob *self)
{
  g_return_val_if_fail (CS_IS_EXPORT_JOB (self), NULL);
  return self->error;
}

char *
cs_export_format_eta (double eta_seconds)
{
  int total;

  if (!(eta_seconds >= 0) || isinf (eta_seconds))
    return NULL;
  total = (int) ceil (eta_seconds);
  if (total < 60)
    /* Translators: time left of an export, in seconds. */
    return g_strdup_printf (ngettext ("%d second left", "%d seconds left", total), total);
  if (total < 3600)
    /* Translators: time left of an export, minutes:seconds. */
    return g_strdup_printf (_("%d:%02d left"), total / 60, total % 60);
  /* Translators: time left of an export, hours:minutes:seconds. */
  return g_strdup_printf (_("%d:%02d:%02d left"), total / 3600, total / 60 % 60, total % 60);
}

/* GObject ---------------------------------------------------------------------------------- */

static void
cs_export_job_dispose (GObject *object)
{
  CsExportJob *self = CS_EXPORT_JOB (object);

  /* Only a job that is not running is disposed: the run holds a reference. */
  g_clear_object (&self->renderer);
  G_OBJECT_CLASS (cs_export_job_parent_class)->dispose (object);
}

static void
cs_export_job_finalize (GObject *object)
{
  CsExportJob *self = CS_EXPORT_JOB (object);

  g_free (self->output);
  g_free (self->device_selector);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->error);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (cs_export_job_parent_class)->finalize (object);
}

static void
cs_export_job_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CsExportJob *self = CS_EXPORT_JOB (object);

  switch (prop_id)
    {
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_FRACTION: g_value_set_double (value, self->fraction); break;
    case PROP_ETA: g_value_set_double (value, self->eta); break;
    case PROP_FPS: g_value_set_double (value, self->fps); break;
    case PROP_OUTPUT: g_value_set_string (value, self->output); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_export_job_class_init (CsExportJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = cs_export_job_dispose;
  object_class->finalize = cs_export_job_finalize;
  object_class->get_property = cs_export_job_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CS_TYPE_EXPORT_STATE, CS_EXPORT_STATE_READY, ro);
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0, ro);
  properties[PROP_ETA] = g_param_spec_double ("eta", NULL, NULL, -1, G_MAXDOUBLE, -1, ro);
  properties[PROP_FPS] = g_param_spec_double ("fps", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_OUTPUT] = g_param_spec_string ("output", NULL, NULL, NULL, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cs_export_job_init (CsExportJob *self)
{
  g_mutex_init (&self->lock);
  self->cancellable = g_cancellable_new ();
  self->eta = -1;
  self->t_eta = -1;
}

CsExportJob *
cs_export_job_new (CsClipRenderer *renderer)
{
  CsExportJob *self;

  g_return_val_if_fail (CS_IS_CLIP_RENDERER (renderer), NULL);

  self = g_object_new (CS_TYPE_EXPORT_JOB, NULL);
  self->renderer = g_object_ref (renderer);
  self->output = g_strdup (cs_clip_renderer_get_output (renderer));
  return self;
}
