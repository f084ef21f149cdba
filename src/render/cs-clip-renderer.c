/* cs-clip-renderer.c: a whole clip, or a stretch of it, styled into a new file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <libavutil/mathematics.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "cs-clip-renderer.h"
#include "cs-render-error.h"
#include "cs-temporal.h"
#include "cs-video-styler.h"
#include "cs-vtoonify.h"
#include "cs-yuv.h"

struct _CsClipRenderer
{
  GObject        parent_instance;

  /* Settings. */
  char          *input;
  char          *output;
  CsDevice      *device;
  CsStyle       *style;
  double         degree;
  double         stability;
  guint          reference;
  gboolean       has_face;
  CsFaceRect     face;
  CsPrecision    precision;
  gint64         from_us;
  gint64         to_us;
  CsVideoCodec   codec;
  int            crf;
  gboolean       audio;
  int            out_width;
  int            out_height;
  CsRenderProgressFunc progress_func;
  gpointer       progress_data;
  GDestroyNotify progress_destroy;
  GPtrArray     *plan_styles;
  CsRenderPlanFunc plan_func;
  gpointer       plan_data;
  GDestroyNotify plan_destroy;

  /* What a run found and did. */
  gboolean       ran;
  gint64         range_first;
  gint64         n_frames;
  enum AVPixelFormat output_format;
  CsRenderStats  stats;
};

G_DEFINE_FINAL_TYPE (CsClipRenderer, cs_clip_renderer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_INPUT,
  PROP_OUTPUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Frames in a pixel format the shaders do not read (RGB, semi-planar, with
 * alpha…) are first converted to 4:4:4 on the CPU, keeping their matrix and
 * range, so that any clip FFmpeg decodes can be rendered. */
typedef struct {
  struct SwsContext *sws;
  AVFrame           *frame;
} CpuConvert;

static void
cpu_convert_clear (CpuConvert *cc)
{
  g_clear_pointer (&cc->sws, sws_freeContext);
  av_frame_free (&cc->frame);
}

static void
cs_clip_renderer_finalize (GObject *object)
{
  CsClipRenderer *self = CS_CLIP_RENDERER (object);

  g_free (self->input);
  g_free (self->output);
  g_clear_object (&self->device);
  g_clear_object (&self->style);
  if (self->progress_destroy != NULL)
    self->progress_destroy (self->progress_data);
  if (self->plan_destroy != NULL)
    self->plan_destroy (self->plan_data);
  g_clear_pointer (&self->plan_styles, g_ptr_array_unref);

  G_OBJECT_CLASS (cs_clip_renderer_parent_class)->finalize (object);
}

static void
cs_clip_renderer_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CsClipRenderer *self = CS_CLIP_RENDERER (object);

  switch (prop_id)
    {
    case PROP_INPUT: g_value_set_string (value, self->input); break;
    case PROP_OUTPUT: g_value_set_string (value, self->output); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_clip_renderer_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  CsClipRenderer *self = CS_CLIP_RENDERER (object);

  switch (prop_id)
    {
    case PROP_INPUT:
      g_free (self->input);
      self->input = g_value_dup_string (value);
      break;
    case PROP_OUTPUT:
      g_free (self->output);
      self->output = g_value_dup_string (value);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_clip_renderer_class_init (CsClipRendererClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cs_clip_renderer_finalize;
  object_class->get_property = cs_clip_renderer_get_property;
  object_class->set_property = cs_clip_renderer_set_property;

  properties[PROP_INPUT] =
    g_param_spec_string ("input", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OUTPUT] =
    g_param_spec_string ("output", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cs_clip_renderer_init (CsClipRenderer *self)
{
  self->degree = 1.0;
  self->stability = CS_DEFAULT_STABILITY;
  self->precision = CS_PRECISION_AUTO;
  self->to_us = -1;
  self->codec = CS_VIDEO_CODEC_AUTO;
  self->crf = -1;
  self->audio = TRUE;
  self->output_format = AV_PIX_FMT_NONE;
}

CsClipRenderer *
cs_clip_renderer_new (const char *input,
                      const char *output)
{
  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (output != NULL, NULL);

  return g_object_new (CS_TYPE_CLIP_RENDERER, "input", input, "output", output, NULL);
}

const char *
cs_clip_renderer_get_input (CsClipRenderer *self)
{
  g_return_val_if_fail (CS_IS_CLIP_RENDERER (self), NULL);
  return self->input;
}

const char *
cs_clip_renderer_get_output (CsClipRenderer *self)
{
  g_return_val_if_fail (CS_IS_CLIP_RENDERER (self), NULL);
  return self->output;
}

void
cs_clip_renderer_set_device (CsClipRenderer *self,
                             CsDevice       *device)
{
  g_return_if_fail (CS_IS_CLIP_RENDERER (self));
  g_return_if_fail (device == NULL || CS_IS_DEVICE (device));
  g_set_object (&self->device, device);
}

void
cs_clip_renderer_set_style (CsClipRenderer *self,
                            CsStyle        *style)
{
  g_return_if_fail (CS_IS_CLIP_RENDERER (self));
  g_return_if_fail (style == NULL || CS_IS_STYLE (style));
  g_set_object (&self->style, style);
}

void
cs_clip_renderer_set_degree (CsClipRenderer *self,
                             double          degree)
{
  g_return_if_fail (CS_IS_CLIP_RENDERER (self));
  self->degree = degree;
}

void
cs_clip_renderer_set_stability (CsClipRenderer *self,
                                double          stability)
{
  g_return_if_fail (CS_IS_CLIP_RENDERER (self));
  self->stability = stability;
}

void
cs_clip_renderer_set_reference (CsClipRenderer *self,
                                guint           reference)
{
  g_return_if_fail (CS_IS_CLIP_RENDERER (self));
  self->reference = reference;
}

void
cs_clip_renderer_set_face (CsClipRenderer   *self,
                           const CsFaceRect *face)
{
  g_return_if_fail (CS_IS_CLIP_RENDERER (self));
  self->has_face = face != NULL;
  if (face != NULL)
    self->face = *face;
}

void
cs_clip_renderer_set_precision (CsClipRenderer *self,
                                CsPrecision     precision)
{
  g_return_if_fail (CS_IS_CLIP_RENDERER (self));
  self->precision = precision;
}

void
cs_clip_renderer_set_range (CsClipRenderer *self,
                            gint64          from_us,
                            gint64          to_us)
{
  g_return_if_fail (CS_IS_CLIP_RENDERER (self));
  self->from_us = from_us;
  self->to_us = to_us;
}

void
cs_clip_renderer_set_video_codec (CsClipRenderer *self,
                                  CsVideoCodec    codec)
{
  g_return_if_fail (CS_IS_CLIP_RENDERER (self));
  self->codec = codec;
}

void
cs_clip_renderer_set_crf (CsClipRenderer *self,
                          int             crf)
{
  g_return_if_fail (CS_IS_CLIP_RENDERER (self));
  self->crf = crf;
}

void
cs_clip_renderer_set_output_size (CsClipRenderer *self,
                                  int             width,
                                  int             height)
{
  g_return_if_fail (CS_IS_CLIP_RENDERER (self));
  self->out_width = width;
  self->out_height = height;
}

void
cs_clip_renderer_set_audio (CsClipRenderer *self,
                            gboolean        audio)
{
  g_return_if_fail (CS_IS_CLIP_RENDERER (self));
  self->audio = audio;
}

void
cs_clip_renderer_set_progress_func (CsClipRenderer       *self,
                                    CsRenderProgressFunc  func,
                                    gpointer              user_data,
                                    GDestroyNotify        destroy)
{
  g_return_if_fail (CS_IS_CLIP_RENDERER (self));

  if (self->progress_destroy != NULL)
    self->progress_destroy (self->progress_data);
  self->progress_func = func;
  self->progress_data = user_data;
  self->progress_destroy = destroy;
}

void
cs_clip_renderer_set_plan (CsClipRenderer   *self,
                           GPtrArray        *styles,
                           CsRenderPlanFunc  func,
                           gpointer          user_data,
                           GDestroyNotify    destroy)
{
  g_return_if_fail (CS_IS_CLIP_RENDERER (self));

  if (self->plan_destroy != NULL)
    self->plan_destroy (self->plan_data);
  g_clear_pointer (&self->plan_styles, g_ptr_array_unref);
  self->plan_styles = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; styles != NULL && i < styles->len; i++)
    if (g_ptr_array_index (styles, i) != NULL)
      g_ptr_array_add (self->plan_styles, g_object_ref (g_ptr_array_index (styles, i)));
  self->plan_func = func;
  self->plan_data = user_data;
  self->plan_destroy = destroy;
}

const CsRenderStats *
cs_clip_renderer_get_stats (CsClipRenderer *self)
{
  g_return_val_if_fail (CS_IS_CLIP_RENDERER (self), NULL);
  return &self->stats;
}

const char *
cs_clip_renderer_get_output_format (CsClipRenderer *self)
{
  g_return_val_if_fail (CS_IS_CLIP_RENDERER (self), NULL);
  return self->output_format != AV_PIX_FMT_NONE ? av_get_pix_fmt_name (self->output_format) : NULL;
}

gint64
cs_clip_renderer_get_n_frames (CsClipRenderer *self)
{
  g_return_val_if_fail (CS_IS_CLIP_RENDERER (self), 0);
  return self->n_frames;
}

/* ---- running ---------------------------------------------------------- */

static double
seconds_since (gint64 start_us)
{
  return (g_get_monotonic_time () - start_us) / (double) G_USEC_PER_SEC;
}

static void
report_progress (CsClipRenderer *self,
                 double          fraction,
                 double          eta)
{
  if (self->progress_func != NULL)
    self->progress_func (self, fraction, eta, self->progress_data);
}

/* The first frame that starts at or after time_us (n_frames when none does). */
static gint64
first_frame_from (CsDecoder *decoder,
                  gint64     time_us)
{
  gint64 lo = 0, hi = cs_decoder_get_n_frames (decoder);

  while (lo < hi)
    {
      gint64 mid = lo + (hi - lo) / 2;

      if (cs_decoder_get_frame_time_us (decoder, mid) < time_us)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* The first frame's colour description, with the container's tags where the
 * bitstream has none, made definite. Formats the shaders cannot read are
 * converted on the CPU first. */
static gboolean
input_format (const AVFrame           *frame,
              const CsVideoStreamInfo *video,
              CpuConvert              *cc,
              CsYuvFormat             *fmt,
              GError                 **error)
{
  enum AVColorSpace matrix = frame->colorspace != AVCOL_SPC_UNSPECIFIED ? frame->colorspace : video->color_space;
  enum AVColorRange range = frame->color_range != AVCOL_RANGE_UNSPECIFIED ? frame->color_range : video->color_range;
  const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get (frame->format);
  enum AVPixelFormat target;
  gboolean rgb;
  const int *coefs;

  if (cs_yuv_format_is_supported (frame->format))
    return cs_yuv_format_init (fmt, frame->width, frame->height, frame->format, matrix, range,
                               frame->chroma_location, error);

  if (desc == NULL || (desc->flags & AV_PIX_FMT_FLAG_HWACCEL))
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_UNSUPPORTED_FORMAT,
                   _("Frames in the pixel format %s cannot be styled"), desc != NULL ? desc->name : "?");
      return FALSE;
    }

  rgb = (desc->flags & AV_PIX_FMT_FLAG_RGB) != 0;
  target = desc->comp[0].depth > 8 ? AV_PIX_FMT_YUV444P16LE : AV_PIX_FMT_YUV444P;
  /* RGB becomes full-range YUV so that nothing is clipped on the way. */
  if (!cs_yuv_format_init (fmt, frame->width, frame->height, target, rgb ? AVCOL_SPC_UNSPECIFIED : matrix,
                           rgb ? AVCOL_RANGE_JPEG : range, AVCHROMA_LOC_UNSPECIFIED, error))
    return FALSE;

  cc->sws = sws_getContext (frame->width, frame->height, frame->format, frame->width, frame->height, target,
                            SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP,
                            NULL, NULL, NULL);
  if (cc->sws == NULL)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_UNSUPPORTED_FORMAT,
                   _("Frames in the pixel format %s cannot be converted for styling"), desc->name);
      return FALSE;
    }
  coefs = sws_getCoefficients (fmt->matrix);
  sws_setColorspaceDetails (cc->sws, coefs, rgb || fmt->range == AVCOL_RANGE_JPEG,
                            coefs, fmt->range == AVCOL_RANGE_JPEG, 0, 1 << 16, 1 << 16);
  cc->frame = av_frame_alloc ();
  if (cc->frame == NULL)
    g_error ("Out of memory while allocating a frame");
  cc->frame->width = frame->width;
  cc->frame->height = frame->height;
  cc->frame->format = target;
  if (av_frame_get_buffer (cc->frame, 0) < 0)
    g_error ("Out of memory while allocating a frame");
  g_debug ("Converting %s frames to %s on the CPU", desc->name, av_get_pix_fmt_name (target));
  return TRUE;
}

static const AVFrame *
cpu_convert (CpuConvert    *cc,
             const AVFrame *frame,
             GError       **error)
{
  if (cc->sws == NULL)
    return frame;
  if (frame->width != cc->frame->width || frame->height != cc->frame->height)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_FORMAT_CHANGED,
                   _("The clip changes size part way, from %d×%d to %d×%d"),
                   cc->frame->width, cc->frame->height, frame->width, frame->height);
      return NULL;
    }
  if (av_frame_make_writable (cc->frame) < 0)
    g_error ("Out of memory while allocating a frame");
  sws_scale (cc->sws, (const uint8_t * const *) frame->data, frame->linesize, 0, frame->height,
             cc->frame->data, cc->frame->linesize);
  return cc->frame;
}

static enum AVPixelFormat
yuv_format_for (int log2_w,
                int log2_h,
                int depth)
{
  static const enum AVPixelFormat formats[3][3] = {
    /* 4:2:0, 4:2:2, 4:4:4 */
    { AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P },
    { AV_PIX_FMT_YUV420P10LE, AV_PIX_FMT_YUV422P10LE, AV_PIX_FMT_YUV444P10LE },
    { AV_PIX_FMT_YUV420P12LE, AV_PIX_FMT_YUV422P12LE, AV_PIX_FMT_YUV444P12LE },
  };
  int d = depth <= 8 ? 0 : depth <= 10 ? 1 : 2;
  int c = log2_w == 0 && log2_h == 0 ? 2 : log2_h == 0 ? 1 : 0;

  return formats[d][c];
}

/* Output pixel formats to try, best first: the source's subsampling and
 * depth, then 4:2:0 at that depth, then 8-bit 4:2:0, which every encoder takes. */
static guint
output_candidates (const CsYuvFormat  *in,
                   gboolean            converted,
                   enum AVPixelFormat  out[3])
{
  guint n = 0;
  enum AVPixelFormat tries[3];

  /* A source converted on the CPU was not 4:4:4 by nature. */
  tries[0] = converted ? AV_PIX_FMT_YUV420P : yuv_format_for (in->log2_chroma_w, in->log2_chroma_h, in->depth);
  tries[1] = yuv_format_for (1, 1, MIN (in->depth, 10));
  tries[2] = AV_PIX_FMT_YUV420P;
  for (guint i = 0; i < 3; i++)
    {
      gboolean seen = FALSE;

      for (guint k = 0; k < n; k++)
        seen |= out[k] == tries[i];
      if (!seen)
        out[n++] = tries[i];
    }
  return n;
}

static void
chain_cancel (GCancellable *cancellable,
              GCancellable *inner)
{
  g_cancellable_cancel (inner);
}

static gboolean
set_cancelled (GCancellable *cancellable,
               GError      **error)
{
  if (!g_cancellable_is_cancelled (cancellable))
    return FALSE;
  g_set_error_literal (error, CS_RENDER_ERROR, CS_RENDER_ERROR_CANCELLED, _("The render was cancelled"));
  return TRUE;
}

static CsEncoder *
start_encoder (CsClipRenderer          *self,
               const CsVideoStreamInfo *video,
               const CsYuvFormat       *in,
               gboolean                 converted,
               gint64                   start_us,
               gint64                   end_us,
               GCancellable            *cancellable,
               CsYuvFormat             *out,
               GError                 **error)
{
  enum AVPixelFormat candidates[3];
  guint n = output_candidates (in, converted, candidates);
  CsVideoStreamInfo tags = *video;
  g_autoptr(GError) local = NULL;
  /* Pictures that were not YUV (RGB, PNG, …) are delivered in limited range,
   * as video usually is; YUV keeps its range. */
  enum AVColorRange range = converted ? AVCOL_RANGE_MPEG : in->range;

  /* Say in the file what the frames hold: the matrix and range they were
   * converted with, not "unspecified". */
  tags.width = in->width;
  tags.height = in->height;
  /* Styling at the source's size keeps the look the preview shows (a
   * network's strokes have a size in pixels); the encoder's own conversion
   * scales the styled frames, off the GPU loop's thread. */
  if (self->out_width > 0 && self->out_height > 0)
    {
      tags.width = self->out_width;
      tags.height = self->out_height;
    }
  tags.color_space = in->matrix;
  tags.color_range = range;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CsEncoder) encoder = cs_encoder_new (self->output);

      g_clear_error (&local);
      /* Players assume left-sited chroma where a file does not say. */
      if (!cs_yuv_format_init (out, in->width, in->height, candidates[i], in->matrix, range,
                               AVCHROMA_LOC_LEFT, &local))
        continue;
      cs_encoder_set_source (encoder, self->input, &tags);
      cs_encoder_set_range (encoder, start_us, end_us);
      g_object_set (encoder,
                    "video-codec", self->codec,
                    "crf", self->crf,
                    "pixel-format", (int) candidates[i],
                    "total-frames", self->n_frames,
                    "audio", self->audio,
                    NULL);
      if (cs_encoder_start (encoder, cancellable, &local))
        {
          self->output_format = candidates[i];
          return g_steal_pointer (&encoder);
        }
      /* Only a pixel format the codec refuses is worth another try. */
      if (!g_error_matches (local, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT))
        break;
      g_debug ("The encoder refused %s: %s", av_get_pix_fmt_name (candidates[i]), local->message);
    }
  g_propagate_error (error, g_steal_pointer (&local));
  return NULL;
}

/* The stylers of a run: one per style, each configured once, and a
 * passthrough (key NULL) for the original frames and degree 0. */
typedef struct {
  CsDevice    *device;
  CsYuvFormat  in;
  CsYuvFormat  out;
  GPtrArray   *keys;      /* CsStyle, or NULL */
  GPtrArray   *stylers;   /* CsVideoStyler */
  GArray      *last;      /* gint64: the frame each styler styled last, or -1 */
  GPtrArray   *vtoonify;  /* VToonifyEntry */
} StylerSet;

/* VToonify-D styles run through CsVToonify, one per style and stretch in
 * use at once (a cross-fade between two segments of one style needs two,
 * each keeping its own face code). */
typedef struct {
  CsStyle    *style;
  CsVToonify *vt;
  gint64      segment;    /* the stretch whose face code it holds, or -1 */
  gint64      used;       /* the frame it styled last */
} VToonifyEntry;

static void
vtoonify_entry_free (gpointer data)
{
  VToonifyEntry *entry = data;

  g_object_unref (entry->vt);
  g_free (entry);
}

static void
styler_set_clear (StylerSet *set)
{
  g_clear_pointer (&set->vtoonify, g_ptr_array_unref);
  g_clear_pointer (&set->keys, g_ptr_array_unref);
  g_clear_pointer (&set->stylers, g_ptr_array_unref);
  g_clear_pointer (&set->last, g_array_unref);
}

/* Stabilizing mixes in the frame a styler styled before: that must be the
 * frame just before this one, in the same shot. */
static void
prepare_history (StylerSet          *set,
                 CsVideoStyler      *styler,
                 const CsRenderStep *step,
                 gint64              frame)
{
  guint index = 0;
  gint64 *last;

  if (!g_ptr_array_find (set->stylers, styler, &index))
    g_assert_not_reached ();
  last = &g_array_index (set->last, gint64, index);
  if (step->cut || *last != frame - 1)
    cs_video_styler_reset_history (styler);
  cs_video_styler_set_stability (styler, step->stability);
  *last = frame;
}

/* One style twice in a frame (a cross-fade between two segments of the same
 * style): the network's output is the same for both, so one run at the
 * mean degree gives the same mix, and the style's history sees each frame
 * once. Where neither step stabilizes, the two runs are kept as they were. */
static void
merge_same_style (CsRenderStep *steps,
                  guint        *n_steps)
{
  CsRenderStep *a = &steps[0], *b = &steps[1];
  double weight;

  if (*n_steps != 2 || a->style != b->style || a->style == NULL || a->degree <= 0.0 || b->degree <= 0.0 ||
      (a->stability <= 0.0 && b->stability <= 0.0))
    return;
  /* VToonify-D runs are not stabilized, and each stretch has its own code. */
  if (cs_style_is_vtoonify (a->style))
    return;
  weight = a->weight + b->weight;
  a->degree = CLAMP ((a->weight * a->degree + b->weight * b->degree) / weight, 0.0, 1.0);
  a->stability = CLAMP ((a->weight * a->stability + b->weight * b->stability) / weight, 0.0, 1.0);
  a->cut = a->cut && b->cut;
  a->weight = MIN (weight, 1.0);
  *n_steps = 1;
}

static CsVideoStyler *
styler_for (CsClipRenderer *self,
            StylerSet      *set,
            CsStyle        *style,
            GError        **error)
{
  g_autoptr(CsVideoStyler) styler = NULL;

  for (guint i = 0; i < set->keys->len; i++)
    if (g_ptr_array_index (set->keys, i) == style)
      return g_ptr_array_index (set->stylers, i);

  styler = cs_video_styler_new (set->device, style, self->precision, error);
  if (styler == NULL || !cs_video_styler_configure (styler, &set->in, &set->out, error))
    return NULL;
  g_ptr_array_add (set->keys, style);
  g_ptr_array_add (set->stylers, g_object_ref (styler));
  g_array_append_val (set->last, (gint64) { -1 });
  return styler;
}

/* An entry for step's style and stretch: the one that holds its code, else
 * one of the style not in use for this frame, else a new one. */
static VToonifyEntry *
vtoonify_for (CsClipRenderer     *self,
              StylerSet          *set,
              const CsRenderStep *step,
              gint64              frame,
              GError            **error)
{
  VToonifyEntry *entry = NULL;
  CsVToonify *vt;

  for (guint i = 0; i < set->vtoonify->len && entry == NULL; i++)
    {
      VToonifyEntry *e = g_ptr_array_index (set->vtoonify, i);

      if (e->style == step->style && e->segment == step->segment)
        entry = e;
    }
  for (guint i = 0; i < set->vtoonify->len && entry == NULL; i++)
    {
      VToonifyEntry *e = g_ptr_array_index (set->vtoonify, i);

      if (e->style == step->style && e->used != frame)
        entry = e;
    }
  if (entry == NULL)
    {
      vt = cs_vtoonify_new (step->style, set->device, self->precision, error);
      if (vt == NULL)
        return NULL;
      entry = g_new0 (VToonifyEntry, 1);
      entry->style = step->style;
      entry->vt = vt;
      entry->segment = -1;
      entry->used = -1;
      g_ptr_array_add (set->vtoonify, entry);
    }

  vt = entry->vt;
  if (entry->segment != step->segment)
    {
      cs_vtoonify_reset_face_code (vt);
      entry->segment = step->segment;
    }
  /* Each of these keeps the code while its value stays the same. */
  if (!cs_vtoonify_set_reference (vt, step->reference, error) ||
      !cs_vtoonify_set_degree (vt, step->degree, error))
    return NULL;
  cs_vtoonify_set_face (vt, step->has_face ? &step->face : NULL);
  entry->used = frame;
  return entry;
}

/* A stretch's code comes from its first frame, whichever frame of it is
 * styled first (a range that starts inside it, a cross-fade into it), so
 * that every render of it, and the preview, agree. The decoder goes back to
 * @frame afterwards. */
static gboolean
prime_face_code (StylerSet     *set,
                 VToonifyEntry *entry,
                 CsDecoder     *decoder,
                 CpuConvert    *cc,
                 gint64         frame,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(CsFrame) first = NULL;
  g_autoptr(CsFrame) back = NULL;
  g_autoptr(CsImage) image = NULL;
  const AVFrame *source;

  if (cs_vtoonify_has_face_code (entry->vt) || entry->segment == frame || entry->segment < 0 ||
      entry->segment >= cs_decoder_get_n_frames (decoder))
    return TRUE;

  first = cs_decoder_seek_frame (decoder, entry->segment, cancellable, error);
  if (first == NULL)
    return FALSE;
  source = cpu_convert (cc, cs_frame_get_av_frame (first), error);
  if (source == NULL)
    return FALSE;
  image = cs_vtoonify_frame_to_image (entry->vt, source, &set->in, error);
  if (image == NULL || !cs_vtoonify_compute_face_code (entry->vt, image, error))
    return FALSE;
  back = cs_decoder_seek_frame (decoder, frame, cancellable, error);
  return back != NULL;
}

/* The plan of a render without one: its style at its degree. */
static gboolean
plan_frame (CsClipRenderer *self,
            gint64          frame,
            CsRenderStep   *steps,
            guint          *n_steps,
            GError        **error)
{
  if (self->plan_func == NULL)
    {
      steps[0].style = self->style;
      steps[0].weight = 1.0;
      steps[0].degree = self->style != NULL ? self->degree : 0.0;
      steps[0].stability = self->stability;
      steps[0].cut = FALSE;
      steps[0].reference = self->reference;
      steps[0].has_face = self->has_face;
      steps[0].face = self->face;
      /* The whole range is one stretch: its code from its first frame. */
      steps[0].segment = self->range_first;
      *n_steps = 1;
      return TRUE;
    }

  /* A plan that knows nothing of stability leaves it 0: frame by frame. */
  memset (steps, 0, sizeof (CsRenderStep) * CS_RENDER_MAX_STEPS);
  *n_steps = 0;
  if (!self->plan_func (frame, steps, n_steps, self->plan_data, error))
    return FALSE;
  if (*n_steps < 1 || *n_steps > CS_RENDER_MAX_STEPS)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The plan of frame %" G_GINT64_FORMAT " has %u styles"), frame, *n_steps);
      return FALSE;
    }
  for (guint k = 0; k < *n_steps; k++)
    {
      if (!(steps[k].degree >= 0.0 && steps[k].degree <= 1.0) ||
          !(steps[k].weight > 0.0 && steps[k].weight <= 1.0) ||
          !(steps[k].stability >= 0.0 && steps[k].stability <= 1.0))
        {
          g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                       _("The plan of frame %" G_GINT64_FORMAT " has a weight of %g, a degree of %g "
                         "or a stability of %g"),
                       frame, steps[k].weight, steps[k].degree, steps[k].stability);
          return FALSE;
        }
      if (steps[k].style != NULL &&
          (self->plan_styles == NULL || !g_ptr_array_find (self->plan_styles, steps[k].style, NULL)))
        {
          g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                       _("The plan of frame %" G_GINT64_FORMAT " names a style it did not declare"), frame);
          return FALSE;
        }
    }
  merge_same_style (steps, n_steps);
  return TRUE;
}

/* a = wa · a + (1 − wa) · b, plane by plane, in the frames' own samples:
 * the colour conversion back from RGB is affine, so blending YUV is blending
 * RGB up to the rounding of each sample. */
static void
blend_frames (AVFrame       *a,
              const AVFrame *b,
              double         wa)
{
  const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get (a->format);
  gboolean wide = desc->comp[0].depth > 8;
  int planes = av_pix_fmt_count_planes (a->format);
  double wb = 1.0 - wa;

  if (av_frame_make_writable (a) < 0)
    g_error ("Out of memory while allocating a frame");
  for (int p = 0; p < planes; p++)
    {
      int w = p == 1 || p == 2 ? AV_CEIL_RSHIFT (a->width, desc->log2_chroma_w) : a->width;
      int h = p == 1 || p == 2 ? AV_CEIL_RSHIFT (a->height, desc->log2_chroma_h) : a->height;

      for (int y = 0; y < h; y++)
        {
          if (wide)
            {
              guint16 *ra = (guint16 *) (a->data[p] + (gsize) y * a->linesize[p]);
              const guint16 *rb = (const guint16 *) (b->data[p] + (gsize) y * b->linesize[p]);
              for (int x = 0; x < w; x++)
                ra[x] = (guint16) (wa * ra[x] + wb * rb[x] + 0.5);
            }
          else
            {
              guint8 *ra = a->data[p] + (gsize) y * a->linesize[p];
              const guint8 *rb = b->data[p] + (gsize) y * b->linesize[p];
              for (int x = 0; x < w; x++)
                ra[x] = (guint8) (wa * ra[x] + wb * rb[x] + 0.5);
            }
        }
    }
}

gboolean
cs_clip_renderer_run (CsClipRenderer *self,
                      GCancellable   *cancellable,
                      GError        **error)
{
  gint64 start = g_get_monotonic_time (), loop_start, t;
  g_autoptr(CsDevice) device = NULL;
  g_autoptr(CsDecoder) decoder = NULL;
  StylerSet set = { NULL, { 0 }, { 0 }, NULL, NULL };
  g_autoptr(CsEncoder) encoder = NULL;
  g_autoptr(GCancellable) encoder_cancel = g_cancellable_new ();
  g_autoptr(CsFrame) frame = NULL;
  g_autoptr(GError) local = NULL;
  CpuConvert cc = { NULL, NULL };
  const CsVideoStreamInfo *video;
  CsYuvFormat in, out;
  gint64 n, origin, first, end, start_us, end_us, clip_end;
  gulong cancel_id = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (CS_IS_CLIP_RENDERER (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->ran)
    {
      g_set_error_literal (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                           _("A renderer runs once; make a new one to render again"));
      return FALSE;
    }
  self->ran = TRUE;
  memset (&self->stats, 0, sizeof self->stats);

  if (!(self->degree >= 0.0 && self->degree <= 1.0))
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The style degree must be between 0 and 1, not %g"), self->degree);
      return FALSE;
    }
  if (!(self->stability >= 0.0 && self->stability <= 1.0))
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The stability must be between 0 and 1 (0 %% to 100 %%), not %g"), self->stability);
      return FALSE;
    }
  if (self->from_us < 0 || (self->to_us >= 0 && self->to_us <= self->from_us))
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The time range %.3f s to %.3f s is empty or negative"),
                   self->from_us / (double) G_USEC_PER_SEC, self->to_us / (double) G_USEC_PER_SEC);
      return FALSE;
    }
  if ((self->out_width != 0 || self->out_height != 0) &&
      (self->out_width < 2 || self->out_height < 2 || self->out_width > 16384 || self->out_height > 16384))
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The output size must be between 2×2 and 16384×16384 pixels, not %d×%d"),
                   self->out_width, self->out_height);
      return FALSE;
    }
  if (set_cancelled (cancellable, error))
    return FALSE;

  if (self->device != NULL)
    device = g_object_ref (self->device);
  else if ((device = cs_device_new (NULL, error)) == NULL)
    return FALSE;

  decoder = cs_decoder_new (self->input, cancellable, &local);
  if (decoder == NULL)
    goto out;
  video = cs_decoder_get_video_info (decoder);

  /* The range, as frame numbers [first, end). */
  n = cs_decoder_get_n_frames (decoder);
  origin = cs_decoder_get_frame_time_us (decoder, 0);
  first = self->from_us > 0 ? cs_decoder_get_index_at_time (decoder, origin + self->from_us) : 0;
  end = self->to_us >= 0 ? first_frame_from (decoder, origin + self->to_us) : n;
  first = CLAMP (first, 0, n);
  /* Past the last frame's end nothing is on screen. */
  clip_end = n > 0 ? cs_decoder_get_frame_time_us (decoder, n - 1) : origin;
  if (video->frame_rate.num > 0 && video->frame_rate.den > 0)
    clip_end += av_rescale_q (1, av_inv_q (video->frame_rate), AV_TIME_BASE_Q);
  if (origin + self->from_us >= clip_end)
    first = n;
  if (end <= first)
    {
      if (self->to_us >= 0)
        g_set_error (&local, CS_RENDER_ERROR, CS_RENDER_ERROR_EMPTY_RANGE,
                     _("No frame of the clip is on screen between %.3f s and %.3f s (it lasts %.3f s)"),
                     self->from_us / (double) G_USEC_PER_SEC, self->to_us / (double) G_USEC_PER_SEC,
                     (clip_end - origin) / (double) G_USEC_PER_SEC);
      else
        g_set_error (&local, CS_RENDER_ERROR, CS_RENDER_ERROR_EMPTY_RANGE,
                     _("No frame of the clip is on screen from %.3f s on (it lasts %.3f s)"),
                     self->from_us / (double) G_USEC_PER_SEC, (clip_end - origin) / (double) G_USEC_PER_SEC);
      goto out;
    }
  self->n_frames = end - first;
  self->range_first = first;
  start_us = cs_decoder_get_frame_time_us (decoder, first);
  end_us = end < n ? cs_decoder_get_frame_time_us (decoder, end) : -1;

  frame = cs_decoder_seek_frame (decoder, first, cancellable, &local);
  if (frame == NULL)
    goto out;
  if (!input_format (cs_frame_get_av_frame (frame), video, &cc, &in, &local))
    goto out;

  /* A VToonify-D style's reference and face are checked before anything
   * is written. */
  if (self->plan_func == NULL && self->style != NULL && cs_style_is_vtoonify (self->style))
    {
      CsFaceRect clamped;

      if (self->reference >= cs_style_get_n_references (self->style))
        {
          g_set_error (&local, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                       _("The style “%s” has references 0 to %u; there is no reference %u"),
                       cs_style_get_name (self->style), cs_style_get_n_references (self->style) - 1,
                       self->reference);
          goto out;
        }
      if (!cs_vtoonify_clamp_face (self->has_face ? &self->face : NULL, in.width, in.height, &clamped, &local))
        goto out;
    }

  if (cancellable != NULL)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (chain_cancel),
                                       g_object_ref (encoder_cancel), g_object_unref);
  encoder = start_encoder (self, video, &in, cc.sws != NULL, start_us, end_us, encoder_cancel, &out, &local);
  if (encoder == NULL)
    goto out;

  /* Every network is prepared before the first frame; degree 0 is the
   * source itself: no network, the conversions alone. */
  set.device = device;
  set.in = in;
  set.out = out;
  set.keys = g_ptr_array_new ();
  set.stylers = g_ptr_array_new_with_free_func (g_object_unref);
  set.last = g_array_new (FALSE, FALSE, sizeof (gint64));
  set.vtoonify = g_ptr_array_new_with_free_func (vtoonify_entry_free);
  if (self->plan_func != NULL)
    {
      for (guint k = 0; k < self->plan_styles->len; k++)
        {
          CsStyle *style = g_ptr_array_index (self->plan_styles, k);
          CsRenderStep probe = { .style = style, .degree = 1.0, .segment = -1 };

          if (cs_style_is_vtoonify (style) ? vtoonify_for (self, &set, &probe, -1, &local) == NULL
                                           : styler_for (self, &set, style, &local) == NULL)
            goto out;
        }
    }
  else if (self->style != NULL && cs_style_is_vtoonify (self->style))
    {
      CsRenderStep probe = { .style = self->style, .degree = self->degree, .reference = self->reference,
                             .segment = -1 };

      if (vtoonify_for (self, &set, &probe, -1, &local) == NULL)
        goto out;
    }
  else if (styler_for (self, &set, self->degree > 0.0 ? self->style : NULL, &local) == NULL)
    goto out;

  {
    g_autofree char *a = cs_yuv_format_describe (&in);
    g_autofree char *b = cs_yuv_format_describe (&out);
    g_debug ("Rendering frames %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT " of %s: %s to %s",
             first, end - 1, self->input, a, b);
  }

  loop_start = g_get_monotonic_time ();
  self->stats.setup = seconds_since (start);
  for (gint64 i = first; i < end; i++)
    {
      const AVFrame *source;
      AVFrame *styled = NULL;
      CsRenderStep steps[CS_RENDER_MAX_STEPS];
      guint n_steps = 0;
      gboolean pushed;
      double done;

      if (set_cancelled (cancellable, &local))
        goto out;
      if (frame == NULL)
        {
          t = g_get_monotonic_time ();
          frame = cs_decoder_next_frame (decoder, cancellable, &local);
          self->stats.decode += seconds_since (t);
          if (frame == NULL)
            {
              if (local == NULL)
                g_set_error (&local, CS_MEDIA_ERROR, CS_MEDIA_ERROR_CORRUPT,
                             _("The clip ended at frame %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT),
                             i, n);
              goto out;
            }
        }

      if (!plan_frame (self, i, steps, &n_steps, &local))
        goto out;

      /* Before the frame is converted: priming may convert another. */
      for (guint k = 0; k < n_steps; k++)
        if (steps[k].style != NULL && cs_style_is_vtoonify (steps[k].style))
          {
            VToonifyEntry *entry = vtoonify_for (self, &set, &steps[k], i, &local);

            t = g_get_monotonic_time ();
            if (entry == NULL || !prime_face_code (&set, entry, decoder, &cc, i, cancellable, &local))
              goto out;
            self->stats.gpu += seconds_since (t);
          }

      source = cpu_convert (&cc, cs_frame_get_av_frame (frame), &local);
      if (source == NULL)
        goto out;
      /* A cross-fade styles the frame once per style and mixes the results. */
      for (guint k = 0; k < n_steps; k++)
        {
          CsVideoStyler *styler;
          AVFrame *part;

          if (steps[k].style != NULL && cs_style_is_vtoonify (steps[k].style))
            {
              VToonifyEntry *entry = vtoonify_for (self, &set, &steps[k], i, &local);

              /* The degree is the network's own input: nothing to blend. */
              t = g_get_monotonic_time ();
              part = entry != NULL ? cs_vtoonify_run_frame (entry->vt, source, &set.in, &set.out, &local) : NULL;
              self->stats.gpu += seconds_since (t);
              if (part == NULL)
                {
                  av_frame_free (&styled);
                  goto out;
                }
              t = g_get_monotonic_time ();
              goto mix;
            }

          styler = styler_for (self, &set, steps[k].degree > 0.0 ? steps[k].style : NULL, &local);
          if (styler == NULL)
            {
              av_frame_free (&styled);
              goto out;
            }

          prepare_history (&set, styler, &steps[k], i);
          t = g_get_monotonic_time ();
          if (!cs_video_styler_upload (styler, source, &local))
            {
              av_frame_free (&styled);
              goto out;
            }
          self->stats.upload += seconds_since (t);

          t = g_get_monotonic_time ();
          if (!cs_video_styler_run (styler, steps[k].style != NULL ? steps[k].degree : 0.0, cancellable, &local))
            {
              av_frame_free (&styled);
              goto out;
            }
          self->stats.gpu += seconds_since (t);

          t = g_get_monotonic_time ();
          part = cs_video_styler_download (styler);
        mix:
          if (styled == NULL)
            styled = part;
          else
            {
              double done_weight = 0.0;

              for (guint j = 0; j < k; j++)
                done_weight += steps[j].weight;
              blend_frames (styled, part, done_weight / (done_weight + steps[k].weight));
              av_frame_free (&part);
            }
          self->stats.download += seconds_since (t);
        }
      g_clear_pointer (&frame, cs_frame_unref);

      t = g_get_monotonic_time ();
      pushed = cs_encoder_push_frame (encoder, styled, &local);
      av_frame_free (&styled);
      self->stats.encode += seconds_since (t);
      if (!pushed)
        goto out;

      self->stats.frames++;
      done = (double) self->stats.frames / self->n_frames;
      report_progress (self, MIN (done, 0.999), seconds_since (loop_start) * (1.0 - done) / done);
    }

  t = g_get_monotonic_time ();
  ok = cs_encoder_finish (encoder, &local);
  self->stats.encode += seconds_since (t);
  g_clear_object (&encoder);
  if (ok)
    report_progress (self, 1.0, 0.0);

out:
  if (encoder != NULL)
    {
      /* Stops the encoder's thread and deletes its unfinished file. */
      g_cancellable_cancel (encoder_cancel);
      cs_encoder_finish (encoder, NULL);
    }
  if (cancel_id != 0)
    g_cancellable_disconnect (cancellable, cancel_id);
  cpu_convert_clear (&cc);
  styler_set_clear (&set);
  self->stats.wall = seconds_since (start);

  if (!ok)
    {
      if (g_cancellable_is_cancelled (cancellable))
        set_cancelled (cancellable, error);
      else
        g_propagate_error (error, g_steal_pointer (&local));
    }
  return ok;
}

static void
run_in_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;

  if (cs_clip_renderer_run (CS_CLIP_RENDERER (source), cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
cs_clip_renderer_run_async (CsClipRenderer      *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CS_IS_CLIP_RENDERER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cs_clip_renderer_run_async);
  /* The result is the render's own: a cancelled render still reports how it ended. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, run_in_thread);
}

gboolean
cs_clip_renderer_run_finish (CsClipRenderer  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (CS_IS_CLIP_RENDERER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
