/* cs-codecs.h: the containers and video codecs this FFmpeg can write
 *
 * What an export may choose from: the containers CsEncoder writes whose
 * muxer this FFmpeg has, and for each one the video codecs whose encoder
 * (the one CsEncoder would pick) is present and which the container can
 * hold. Each codec comes with the range and default of its quality (CRF)
 * as CsEncoder applies them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "cs-encoder.h"

G_BEGIN_DECLS

/**
 * CsVideoCodecInfo:
 * @codec: the codec
 * @name: its name as settings and celshade-render's --codec give it ("h264")
 * @label: its name for people ("H.264")
 * @encoder: the FFmpeg encoder CsEncoder uses for it ("libx264")
 * @crf_max: the largest quality value (CRF) the encoder takes, or -1 when
 *   the codec has no quality setting (FFV1 is always lossless)
 * @crf_default: the CRF used when none is set, or -1 as for @crf_max
 */
typedef struct {
  CsVideoCodec  codec;
  const char   *name;
  const char   *label;
  const char   *encoder;
  int           crf_max;
  int           crf_default;
} CsVideoCodecInfo;

/* "mp4", "mkv" or "webm"; NULL for CS_CONTAINER_AUTO. */
const char             *cs_container_get_name         (CsContainer   container);
/* The container's name for people ("MP4", "Matroska", "WebM"). */
const char             *cs_container_get_label        (CsContainer   container);
/* The container of a name as cs_container_get_name() gives it, or of a file
 * name's extension ("out.MKV"); CS_CONTAINER_AUTO when it is neither. */
CsContainer             cs_container_from_name        (const char   *name);
/* Whether this FFmpeg has the container's muxer. */
gboolean                cs_container_available        (CsContainer   container);
/* The codec CsEncoder picks for the container when none is set. */
CsVideoCodec            cs_container_get_default_codec (CsContainer  container);

/* The codec of a name as CsVideoCodecInfo's name gives it, or
 * CS_VIDEO_CODEC_AUTO when the name is unknown. */
CsVideoCodec            cs_video_codec_from_name      (const char   *name);
/* What this FFmpeg offers for codec, or NULL when it has no encoder for it. */
const CsVideoCodecInfo *cs_video_codec_get_info       (CsVideoCodec  codec);

/* The codecs (element type CsVideoCodecInfo, borrowed) that can be written
 * into container here, its default first; empty when the container cannot. */
GPtrArray              *cs_container_list_codecs      (CsContainer   container);

G_END_DECLS
