/* cs-media-error.c: the media layer's error domain and FFmpeg error helpers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "cs-media-private.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK (cs-media-error-quark, cs_media_error)

CsMediaError
cs_media_error_code_from_av (int         averr,
                             CsMediaError fallback)
{
  switch (averr)
    {
    case AVERROR (ENOENT):
    case AVERROR (ENOTDIR):
      return CS_MEDIA_ERROR_NOT_FOUND;
    case AVERROR (EACCES):
    case AVERROR (EPERM):
    case AVERROR (EROFS):
      return CS_MEDIA_ERROR_PERMISSION_DENIED;
    case AVERROR (ENOSPC):
    case AVERROR (EDQUOT):
    case AVERROR (EFBIG):
      return CS_MEDIA_ERROR_NO_SPACE;
    case AVERROR_DECODER_NOT_FOUND:
    case AVERROR_ENCODER_NOT_FOUND:
      return CS_MEDIA_ERROR_UNSUPPORTED_CODEC;
    case AVERROR_DEMUXER_NOT_FOUND:
    case AVERROR_MUXER_NOT_FOUND:
      return CS_MEDIA_ERROR_UNSUPPORTED_FORMAT;
    case AVERROR_EXIT:
      return CS_MEDIA_ERROR_CANCELLED;
    default:
      return fallback;
    }
}

void
cs_media_set_av_error (GError     **error,
                       CsMediaError code,
                       int          averr,
                       const char  *format,
                       ...)
{
  g_autofree char *message = NULL;
  char errbuf[AV_ERROR_MAX_STRING_SIZE] = { 0 };
  va_list args;

  if (error == NULL)
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  av_strerror (averr, errbuf, sizeof errbuf);
  /* Translators: the first %s is what failed, the second FFmpeg's reason. */
  g_set_error (error, CS_MEDIA_ERROR, code, _("%s (%s)"), message, errbuf);
}

CsMediaError
cs_media_error_code_from_errno (int         errsv,
                                CsMediaError fallback)
{
  return cs_media_error_code_from_av (AVERROR (errsv), fallback);
}

gboolean
cs_media_set_cancelled (GCancellable *cancellable,
                        GError      **error)
{
  if (!g_cancellable_is_cancelled (cancellable))
    return FALSE;

  g_set_error_literal (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_CANCELLED,
                       _("The operation was cancelled"));
  return TRUE;
}

static void
log_callback (void       *avcl,
              int         level,
              const char *format,
              va_list     args)
{
  char line[1024];
  int print_prefix = 1;
  size_t len;

  if (level > av_log_get_level ())
    return;

  av_log_format_line2 (avcl, level, format, args, line, sizeof line, &print_prefix);
  len = strlen (line);
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    line[--len] = '\0';
  if (len > 0)
    g_log_structured ("FFmpeg", G_LOG_LEVEL_DEBUG, "MESSAGE", "%s", line);
}

void
cs_media_init_logging (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      av_log_set_callback (log_callback);
      g_once_init_leave (&initialised, 1);
    }
}
