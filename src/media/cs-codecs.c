/* cs-codecs.c: the containers and video codecs this FFmpeg can write
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "cs-codecs.h"

typedef struct {
  const char *encoder;
  int         crf_max;
  int         crf_default;
} EncoderChoice;

typedef struct {
  CsVideoCodec   codec;
  const char    *name;
  const char    *label;
  enum AVCodecID id;
  /* In CsEncoder's order of preference; the CRF figures are the ones its
   * video options apply to each encoder, so that a dialog offers exactly the
   * range the encoder accepts. */
  EncoderChoice  encoders[3];
} CodecEntry;

static const CodecEntry codec_table[] = {
  { CS_VIDEO_CODEC_H264, "h264", "H.264", AV_CODEC_ID_H264,
    { { "libx264", 51, 23 } } },
  { CS_VIDEO_CODEC_VP9, "vp9", "VP9", AV_CODEC_ID_VP9,
    { { "libvpx-vp9", 63, 32 } } },
  { CS_VIDEO_CODEC_AV1, "av1", "AV1", AV_CODEC_ID_AV1,
    { { "libsvtav1", 63, 35 }, { "libaom-av1", 63, 32 } } },
  { CS_VIDEO_CODEC_FFV1, "ffv1", "FFV1", AV_CODEC_ID_FFV1,
    { { "ffv1", -1, -1 } } },
};

static const struct {
  CsContainer  container;
  const char  *name;
  const char  *label;
  const char  *muxer;
} container_table[] = {
  { CS_CONTAINER_MP4, "mp4", "MP4", "mp4" },
  { CS_CONTAINER_MKV, "mkv", "Matroska", "matroska" },
  { CS_CONTAINER_WEBM, "webm", "WebM", "webm" },
};

const char *
cs_container_get_name (CsContainer container)
{
  for (guint i = 0; i < G_N_ELEMENTS (container_table); i++)
    if (container_table[i].container == container)
      return container_table[i].name;
  return NULL;
}

const char *
cs_container_get_label (CsContainer container)
{
  for (guint i = 0; i < G_N_ELEMENTS (container_table); i++)
    if (container_table[i].container == container)
      return container_table[i].label;
  return NULL;
}

CsContainer
cs_container_from_name (const char *name)
{
  const char *dot;

  if (name == NULL)
    return CS_CONTAINER_AUTO;
  dot = strrchr (name, '.');
  if (dot != NULL)
    name = dot + 1;
  for (guint i = 0; i < G_N_ELEMENTS (container_table); i++)
    if (g_ascii_strcasecmp (name, container_table[i].name) == 0)
      return container_table[i].container;
  return CS_CONTAINER_AUTO;
}

static const AVOutputFormat *
find_muxer (CsContainer container)
{
  for (guint i = 0; i < G_N_ELEMENTS (container_table); i++)
    if (container_table[i].container == container)
      return av_guess_format (container_table[i].muxer, NULL, NULL);
  return NULL;
}

gboolean
cs_container_available (CsContainer container)
{
  return find_muxer (container) != NULL;
}

CsVideoCodec
cs_container_get_default_codec (CsContainer container)
{
  return container == CS_CONTAINER_WEBM ? CS_VIDEO_CODEC_VP9 : CS_VIDEO_CODEC_H264;
}

CsVideoCodec
cs_video_codec_from_name (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (codec_table); i++)
    if (g_ascii_strcasecmp (name, codec_table[i].name) == 0)
      return codec_table[i].codec;
  return CS_VIDEO_CODEC_AUTO;
}

/* The table is filled once: FFmpeg's set of encoders does not change while
 * the program runs. */
static CsVideoCodecInfo infos[G_N_ELEMENTS (codec_table)];
static gboolean present[G_N_ELEMENTS (codec_table)];

static gpointer
fill_infos (gpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (codec_table); i++)
    {
      const CodecEntry *entry = &codec_table[i];

      for (guint k = 0; k < G_N_ELEMENTS (entry->encoders) && entry->encoders[k].encoder != NULL; k++)
        {
          const AVCodec *codec = avcodec_find_encoder_by_name (entry->encoders[k].encoder);

          /* A build may carry an encoder of that name for another codec id
           * (a wrapper, a stub); only a real encoder of the codec counts. */
          if (codec == NULL || codec->id != entry->id || !av_codec_is_encoder (codec))
            continue;
          infos[i].codec = entry->codec;
          infos[i].name = entry->name;
          infos[i].label = entry->label;
          infos[i].encoder = entry->encoders[k].encoder;
          infos[i].crf_max = entry->encoders[k].crf_max;
          infos[i].crf_default = entry->encoders[k].crf_default;
          present[i] = TRUE;
          break;
        }
    }
  return NULL;
}

const CsVideoCodecInfo *
cs_video_codec_get_info (CsVideoCodec codec)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, fill_infos, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (codec_table); i++)
    if (codec_table[i].codec == codec)
      return present[i] ? &infos[i] : NULL;
  return NULL;
}

GPtrArray *
cs_container_list_codecs (CsContainer container)
{
  GPtrArray *list = g_ptr_array_new ();
  const AVOutputFormat *muxer = find_muxer (container);
  CsVideoCodec first = cs_container_get_default_codec (container);

  if (muxer == NULL)
    return list;

  for (guint i = 0; i < G_N_ELEMENTS (codec_table); i++)
    {
      const CsVideoCodecInfo *info = cs_video_codec_get_info (codec_table[i].codec);

      /* The same question CsEncoder asks before it opens the file. */
      if (info == NULL || avformat_query_codec (muxer, codec_table[i].id, FF_COMPLIANCE_NORMAL) != 1)
        continue;
      if (info->codec == first)
        g_ptr_array_insert (list, 0, (gpointer) info);
      else
        g_ptr_array_add (list, (gpointer) info);
    }
  return list;
}
