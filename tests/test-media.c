/* test-media.c: the media layer against FFmpeg's own tools
 *
 * Probing is compared with ffprobe, frame-exact seeking with sequential decoding and
 * with the ffmpeg CLI's frame selection, and encoded files are checked with ffprobe.
 * Clips come from the shared test data (CELSHADE_TEST_DATA) and from lavfi sources
 * made in a temporary folder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "cs-config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

#include "cs-media.h"
#include "cs-test.h"

static char *data_dir;
static char *tmp_dir;
static GHashTable *made_clips;
static gboolean have_tools;

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

/* A clip of the shared test data, or NULL (and the test skipped) when it is absent. */
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
      g_free (path);
      return NULL;
    }

  return path;
}

static char *
tmp_file (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* Runs a tool and returns its standard output; NULL when it failed. */
static GBytes *
run_tool (const char * const *argv,
          GError            **error)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (proc == NULL)
    return NULL;
  if (!g_subprocess_communicate (proc, NULL, NULL, &out, &err, error))
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

static const struct {
  const char *name;
  const char *args;
} clip_specs[] = {
  /* H.264 with one GOP for the whole clip, B-frames and B-pyramid. */
  { "h264-longgop.mp4",
    "-f lavfi -i testsrc2=size=192x108:rate=25 -frames:v 200 -c:v libx264 -preset veryfast "
    "-g 250 -sc_threshold 0 -bf 3 -pix_fmt yuv420p" },
  /* First frame at 1.5 s, not 0. */
  { "h264-offset.mkv",
    "-f lavfi -i testsrc2=size=160x120:rate=30 -frames:v 90 -c:v libx264 -preset veryfast "
    "-g 30 -bf 2 -pix_fmt yuv420p -output_ts_offset 1.5" },
  /* VP9 with hidden alt-ref frames. */
  { "vp9.webm",
    "-f lavfi -i testsrc2=size=160x120:rate=25 -frames:v 100 -c:v libvpx-vp9 -g 60 "
    "-deadline good -cpu-used 8 -lag-in-frames 16 -auto-alt-ref 1 -b:v 200k" },
  { "vp9-odd.webm",
    "-f lavfi -i testsrc2=size=321x241:rate=25 -frames:v 64 -c:v libvpx-vp9 -g 32 "
    "-deadline good -cpu-used 8 -b:v 200k" },
  /* MPEG-4 Part 2 with B-frames in AVI: packets carry no presentation timestamps. */
  { "mpeg4.avi",
    "-f lavfi -i testsrc2=size=160x120:rate=25 -frames:v 120 -c:v mpeg4 -bf 2 -g 30 -q:v 5" },
  { "h264-10bit.mkv",
    "-f lavfi -i testsrc2=size=160x120:rate=25 -frames:v 80 -c:v libx264 -preset veryfast "
    "-g 40 -bf 2 -pix_fmt yuv420p10le" },
  { "ffv1-odd.mkv",
    "-f lavfi -i testsrc2=size=321x241:rate=25 -frames:v 64 -c:v ffv1 -pix_fmt yuv420p" },
  /* NTSC film rate with AAC audio. */
  { "ntsc.mp4",
    "-f lavfi -i testsrc2=size=160x120:rate=24000/1001 -f lavfi -i sine=frequency=440:sample_rate=48000 "
    "-frames:v 96 -c:v libx264 -preset veryfast -g 48 -bf 2 -pix_fmt yuv420p -c:a aac -shortest" },
  /* 30 frames at 30 fps, then 60 at 15 fps. */
  { "vfr.mkv",
    "-f lavfi -i testsrc2=size=160x120:rate=30 -frames:v 90 "
    "-vf \"setpts='if(lt(N,30),N,30+(N-30)*2)/30/TB'\" -fps_mode passthrough "
    "-c:v libx264 -preset veryfast -g 30 -bf 2 -pix_fmt yuv420p" },
  { "audio-only.m4a",
    "-f lavfi -i sine=frequency=440:sample_rate=44100 -t 1 -c:a aac" },
  /* A red block in the top-left corner of a blue picture. */
  { "corner.mp4",
    "-f lavfi -i color=c=blue:s=160x120:r=25,drawbox=x=0:y=0:w=40:h=30:color=red:t=fill "
    "-frames:v 10 -c:v libx264 -pix_fmt yuv420p" },
  { "tagged.mkv",
    "-f lavfi -i testsrc2=size=160x120:rate=25 -frames:v 5 -vf setsar=4/3 -c:v libx264 "
    "-pix_fmt yuv420p -color_primaries bt709 -color_trc bt709 -colorspace bt709 -color_range tv" },
  { "two-audio.mkv",
    "-f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine=f=440:sample_rate=48000 "
    "-f lavfi -i sine=f=660:sample_rate=44100 -frames:v 50 -map 0:v -map 1:a -map 2:a "
    "-c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a:0 aac -c:a:1 flac -shortest" },
};

/* A clip made with the ffmpeg CLI in the temporary folder (once per run), or NULL
 * with the test skipped when this FFmpeg cannot make it. */
static char *
made_clip (const char *name)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;
  g_auto(GStrv) args = NULL;
  const char *spec = NULL;
  char *path;

  if (!have_tools)
    {
      skip ("the ffmpeg and ffprobe programs are needed to make %s", name);
      return NULL;
    }

  path = g_hash_table_lookup (made_clips, name);
  if (path != NULL)
    return g_strdup (path);

  for (guint i = 0; i < G_N_ELEMENTS (clip_specs); i++)
    if (g_str_equal (clip_specs[i].name, name))
      spec = clip_specs[i].args;
  g_assert_nonnull (spec);

  path = tmp_file (name);
  g_assert_true (g_shell_parse_argv (spec, NULL, &args, &error));
  argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) "ffmpeg");
  g_ptr_array_add (argv, (char *) "-y");
  g_ptr_array_add (argv, (char *) "-nostdin");
  g_ptr_array_add (argv, (char *) "-v");
  g_ptr_array_add (argv, (char *) "error");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, args[i]);
  g_ptr_array_add (argv, path);
  g_ptr_array_add (argv, NULL);

  out = run_tool ((const char * const *) argv->pdata, &error);
  if (out == NULL)
    {
      skip ("this FFmpeg cannot make %s: %s", name, error->message);
      g_free (path);
      return NULL;
    }

  g_hash_table_insert (made_clips, g_strdup (name), g_strdup (path));
  return path;
}

/* ffprobe's JSON description of @path. */
static JsonNode *
ffprobe (const char *path,
         const char *extra)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;
  g_auto(GStrv) args = NULL;
  JsonNode *root;

  g_ptr_array_add (argv, (char *) "ffprobe");
  g_ptr_array_add (argv, (char *) "-v");
  g_ptr_array_add (argv, (char *) "error");
  g_ptr_array_add (argv, (char *) "-of");
  g_ptr_array_add (argv, (char *) "json");
  g_assert_true (g_shell_parse_argv (extra, NULL, &args, &error));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, args[i]);
  g_ptr_array_add (argv, (char *) path);
  g_ptr_array_add (argv, NULL);

  out = run_tool ((const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);

  root = json_from_string (g_bytes_get_data (out, NULL) != NULL ? (const char *) g_bytes_get_data (out, NULL) : "{}",
                           &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  return root;
}

static const char *
json_str (JsonObject *obj,
          const char *member)
{
  return json_object_get_string_member_with_default (obj, member, NULL);
}

/* ffprobe writes numbers as strings ("30/1", "2.500000", "300"). */
static double
json_seconds (JsonObject *obj,
              const char *member)
{
  const char *s = json_str (obj, member);

  return s != NULL ? g_ascii_strtod (s, NULL) : NAN;
}

static gint64
json_int (JsonObject *obj,
          const char *member)
{
  const char *s;

  if (json_object_has_member (obj, member) &&
      json_node_get_value_type (json_object_get_member (obj, member)) == G_TYPE_INT64)
    return json_object_get_int_member (obj, member);

  s = json_str (obj, member);
  return s != NULL ? g_ascii_strtoll (s, NULL, 10) : -1;
}

static AVRational
json_ratio (JsonObject *obj,
            const char *member,
            char        sep)
{
  const char *s = json_str (obj, member);
  g_autofree char *format = g_strdup_printf ("%%d%c%%d", sep);
  int num = 0, den = 0;

  if (s == NULL || sscanf (s, format, &num, &den) != 2)
    return av_make_q (0, 0);

  return av_make_q (num, den);
}

/* The stream of ffprobe's output with container index @index. */
static JsonObject *
ffprobe_stream (JsonNode *root,
                int       index)
{
  JsonArray *streams = json_object_get_array_member (json_node_get_object (root), "streams");

  for (guint i = 0; i < json_array_get_length (streams); i++)
    {
      JsonObject *s = json_array_get_object_element (streams, i);

      if (json_object_get_int_member (s, "index") == index)
        return s;
    }

  return NULL;
}

/* First presentation time and end (pts + duration of the last packet) of one stream,
 * in seconds, from its packets. */
static void
stream_extent (const char *path,
               const char *selector,
               double     *start,
               double     *end,
               guint      *n_packets)
{
  g_autofree char *extra = g_strdup_printf ("-select_streams %s -show_entries packet=pts_time,duration_time", selector);
  g_autoptr(JsonNode) root = ffprobe (path, extra);
  JsonArray *packets = json_object_get_array_member (json_node_get_object (root), "packets");

  *start = INFINITY;
  *end = -INFINITY;
  for (guint i = 0; i < json_array_get_length (packets); i++)
    {
      JsonObject *p = json_array_get_object_element (packets, i);
      double pts = json_seconds (p, "pts_time");
      double duration = json_seconds (p, "duration_time");

      *start = MIN (*start, pts);
      *end = MAX (*end, pts + (isnan (duration) ? 0 : duration));
    }
  if (n_packets != NULL)
    *n_packets = json_array_get_length (packets);
}

static gint64
ffprobe_count_frames (const char *path)
{
  g_autoptr(JsonNode) root = ffprobe (path, "-count_frames -select_streams v:0 -show_entries stream=nb_read_frames");
  JsonArray *streams = json_object_get_array_member (json_node_get_object (root), "streams");

  g_assert_cmpuint (json_array_get_length (streams), ==, 1);
  return json_int (json_array_get_object_element (streams, 0), "nb_read_frames");
}

static gboolean
file_has_contents (const char *path,
                   const char *expected)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;

  return g_str_equal (contents, expected);
}

/* Unfinished exports the encoder may have left behind in @folder. */
static guint
count_partial_files (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] == '.' && strstr (name, ".partial") != NULL)
      n++;

  return n;
}

static GPtrArray *
decode_all (const char *path,
            CsDecoder **decoder_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsDecoder) decoder = NULL;
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  CsFrame *frame;

  decoder = cs_decoder_new (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (decoder);

  while ((frame = cs_decoder_next_frame (decoder, NULL, &error)) != NULL)
    {
      g_assert_cmpint (cs_frame_get_index (frame), ==, frames->len);
      g_assert_cmpint (cs_frame_get_time_us (frame), ==, cs_decoder_get_frame_time_us (decoder, frames->len));
      g_ptr_array_add (frames, cs_frame_dup_pixels (frame));
      cs_frame_unref (frame);
    }
  g_assert_no_error (error);
  g_assert_cmpint (frames->len, ==, cs_decoder_get_n_frames (decoder));

  if (decoder_out != NULL)
    *decoder_out = g_steal_pointer (&decoder);

  return frames;
}

static void
assert_same_pixels (GBytes *a,
                    GBytes *b,
                    gint64  index)
{
  gsize la, lb;
  const guint8 *pa = g_bytes_get_data (a, &la);
  const guint8 *pb = g_bytes_get_data (b, &lb);

  g_assert_cmpuint (la, ==, lb);
  if (memcmp (pa, pb, la) != 0)
    {
      gsize at = 0;

      while (pa[at] == pb[at])
        at++;
      g_error ("frame %" G_GINT64_FORMAT " differs at byte %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT,
               index, at, la);
    }
}

/* Probing --------------------------------------------------------------------------- */

static void
compare_probe_with_ffprobe (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsMediaInfo) info = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *format;
  JsonArray *streams;
  guint n_video = 0, n_audio = 0;

  info = cs_media_probe (path, CS_MEDIA_PROBE_SCAN, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);

  root = ffprobe (path, "-show_format -show_streams -count_packets");
  format = json_object_get_object_member (json_node_get_object (root), "format");
  streams = json_object_get_array_member (json_node_get_object (root), "streams");

  g_assert_cmpstr (info->format_name, ==, json_str (format, "format_name"));
  if (json_str (format, "duration") != NULL)
    g_assert_cmpfloat_with_epsilon (info->duration, json_seconds (format, "duration"), 0.002);

  for (guint i = 0; i < json_array_get_length (streams); i++)
    {
      JsonObject *s = json_array_get_object_element (streams, i);
      const char *type = json_str (s, "codec_type");

      if (g_strcmp0 (type, "video") == 0)
        n_video++;
      else if (g_strcmp0 (type, "audio") == 0)
        n_audio++;
    }
  g_assert_cmpuint (info->video_streams->len, ==, n_video);
  g_assert_cmpuint (info->audio_streams->len, ==, n_audio);

  for (guint i = 0; i < info->video_streams->len; i++)
    {
      CsVideoStreamInfo *v = g_ptr_array_index (info->video_streams, i);
      JsonObject *s = ffprobe_stream (root, v->index);
      AVRational sar = json_ratio (s, "sample_aspect_ratio", ':');
      AVRational rate = json_ratio (s, "r_frame_rate", '/');
      double frame_s = 1.0 / av_q2d (v->frame_rate);

      g_assert_nonnull (s);
      g_assert_cmpstr (v->codec_name, ==, json_str (s, "codec_name"));
      g_assert_cmpint (v->width, ==, json_int (s, "width"));
      g_assert_cmpint (v->height, ==, json_int (s, "height"));
      g_assert_cmpstr (v->pixel_format_name, ==, json_str (s, "pix_fmt"));
      g_assert_cmpint (v->bit_depth, ==, av_pix_fmt_desc_get (av_get_pix_fmt (json_str (s, "pix_fmt")))->comp[0].depth);
      if (sar.num > 0)
        g_assert_cmpint (av_cmp_q (v->sample_aspect_ratio, sar), ==, 0);
      if (!v->variable_frame_rate)
        g_assert_cmpint (av_cmp_q (v->frame_rate, rate), ==, 0);
      g_assert_cmpstr (av_color_range_name (v->color_range), ==, json_str (s, "color_range") ?: "unknown");
      g_assert_cmpstr (av_color_space_name (v->color_space), ==, json_str (s, "color_space") ?: "unknown");
      g_assert_cmpstr (av_color_primaries_name (v->color_primaries), ==, json_str (s, "color_primaries") ?: "unknown");
      g_assert_cmpstr (av_color_transfer_name (v->color_trc), ==, json_str (s, "color_transfer") ?: "unknown");

      if (json_str (s, "start_time") != NULL)
        g_assert_cmpfloat_with_epsilon (v->start_time, json_seconds (s, "start_time"), 0.002);
      /* Matroska keeps no stream duration, and its segment duration counts from 0
       * whatever the first timestamp: check against the frames instead. */
      if (json_str (s, "duration") != NULL)
        g_assert_cmpfloat_with_epsilon (v->duration, json_seconds (s, "duration"), frame_s + 0.002);
      if (!v->variable_frame_rate)
        g_assert_cmpfloat_with_epsilon (v->duration, v->frame_count * frame_s, frame_s + 0.002);

      g_assert_true (v->frame_count_exact);
      g_assert_cmpint (v->frame_count, ==, json_int (s, "nb_read_packets"));

      {
        JsonArray *side = json_object_has_member (s, "side_data_list")
                          ? json_object_get_array_member (s, "side_data_list") : NULL;
        int expected = 0;

        for (guint k = 0; side != NULL && k < json_array_get_length (side); k++)
          {
            JsonObject *d = json_array_get_object_element (side, k);

            /* ffprobe shows the matrix's counter-clockwise angle. */
            if (json_object_has_member (d, "rotation"))
              expected = (int) ((360 - json_object_get_int_member (d, "rotation")) % 360);
          }
        g_assert_cmpint (v->rotation, ==, expected);
      }
    }

  for (guint i = 0; i < info->audio_streams->len; i++)
    {
      CsAudioStreamInfo *a = g_ptr_array_index (info->audio_streams, i);
      JsonObject *s = ffprobe_stream (root, a->index);

      g_assert_nonnull (s);
      g_assert_cmpstr (a->codec_name, ==, json_str (s, "codec_name"));
      g_assert_cmpint (a->sample_rate, ==, json_int (s, "sample_rate"));
      g_assert_cmpint (a->channels, ==, json_int (s, "channels"));
      if (json_str (s, "channel_layout") != NULL)
        g_assert_cmpstr (a->channel_layout, ==, json_str (s, "channel_layout"));
      if (json_str (s, "start_time") != NULL)
        g_assert_cmpfloat_with_epsilon (a->start_time, json_seconds (s, "start_time"), 0.002);
    }
}

static void
test_probe_real (gconstpointer data)
{
  g_autofree char *path = data_clip (data);

  if (path == NULL)
    return;
  if (!have_tools)
    {
      skip ("ffprobe is needed to check probing");
      return;
    }

  compare_probe_with_ffprobe (path);
}

static void
test_probe_generated (gconstpointer data)
{
  g_autofree char *path = made_clip (data);

  if (path == NULL)
    return;

  compare_probe_with_ffprobe (path);
}

static void
test_probe_details (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ntsc = made_clip ("ntsc.mp4");
  g_autofree char *vfr = NULL;
  g_autofree char *tenbit = NULL;
  g_autofree char *tagged = NULL;
  g_autofree char *two = NULL;
  g_autoptr(CsMediaInfo) info = NULL;
  int w, h;

  if (ntsc == NULL)
    return;
  vfr = made_clip ("vfr.mkv");
  tenbit = made_clip ("h264-10bit.mkv");
  tagged = made_clip ("tagged.mkv");
  two = made_clip ("two-audio.mkv");
  if (vfr == NULL || tenbit == NULL || tagged == NULL || two == NULL)
    return;

  info = cs_media_probe (ntsc, CS_MEDIA_PROBE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->video->frame_rate.num, ==, 24000);
  g_assert_cmpint (info->video->frame_rate.den, ==, 1001);
  g_assert_false (info->video->variable_frame_rate);
  g_assert_cmpint (info->video->frame_count, ==, 96);
  g_assert_cmpuint (info->audio_streams->len, ==, 1);
  g_clear_pointer (&info, cs_media_info_unref);

  /* Matroska stores no frame count: without a scan it is an estimate, with one exact. */
  info = cs_media_probe (vfr, CS_MEDIA_PROBE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (info->video->frame_count_exact);
  g_clear_pointer (&info, cs_media_info_unref);
  info = cs_media_probe (vfr, CS_MEDIA_PROBE_SCAN, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (info->video->variable_frame_rate);
  g_assert_true (info->video->frame_count_exact);
  g_assert_cmpint (info->video->frame_count, ==, 90);
  /* 30 frames of 1/30 s and 60 of 1/15 s. */
  g_assert_cmpfloat_with_epsilon (info->video->duration, 5.0, 0.05);
  g_clear_pointer (&info, cs_media_info_unref);

  info = cs_media_probe (tenbit, CS_MEDIA_PROBE_SCAN, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->video->pixel_format_name, ==, "yuv420p10le");
  g_assert_cmpint (info->video->bit_depth, ==, 10);
  g_clear_pointer (&info, cs_media_info_unref);

  info = cs_media_probe (tagged, CS_MEDIA_PROBE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->video->color_space, ==, AVCOL_SPC_BT709);
  g_assert_cmpint (info->video->color_primaries, ==, AVCOL_PRI_BT709);
  g_assert_cmpint (info->video->color_trc, ==, AVCOL_TRC_BT709);
  g_assert_cmpint (info->video->color_range, ==, AVCOL_RANGE_MPEG);
  g_assert_cmpint (info->video->sample_aspect_ratio.num, ==, 4);
  g_assert_cmpint (info->video->sample_aspect_ratio.den, ==, 3);
  cs_video_stream_info_get_display_size (info->video, &w, &h);
  g_assert_cmpint (w, ==, 213);
  g_assert_cmpint (h, ==, 120);
  g_clear_pointer (&info, cs_media_info_unref);

  info = cs_media_probe (two, CS_MEDIA_PROBE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (info->audio_streams->len, ==, 2);
  g_assert_cmpstr (((CsAudioStreamInfo *) g_ptr_array_index (info->audio_streams, 0))->codec_name, ==, "aac");
  g_assert_cmpstr (((CsAudioStreamInfo *) g_ptr_array_index (info->audio_streams, 1))->codec_name, ==, "flac");
  g_assert_cmpint (((CsAudioStreamInfo *) g_ptr_array_index (info->audio_streams, 1))->sample_rate, ==, 44100);
}

static void
expect_open_error (const char *path,
                   int          code,
                   const char  *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsMediaInfo) info = NULL;
  g_autoptr(CsDecoder) decoder = NULL;
  g_autofree char *name = g_filename_display_basename (path);

  info = cs_media_probe (path, CS_MEDIA_PROBE_SCAN, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, CS_MEDIA_ERROR, code);
  g_assert_nonnull (strstr (error->message, name));
  if (fragment != NULL)
    g_assert_nonnull (strstr (error->message, fragment));
  g_clear_error (&error);

  decoder = cs_decoder_new (path, NULL, &error);
  g_assert_null (decoder);
  g_assert_error (error, CS_MEDIA_ERROR, code);
}

static void
test_bad_inputs (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = tmp_file ("does-not-exist.mp4");
  g_autofree char *folder = tmp_file ("a-folder.mp4");
  g_autofree char *text = tmp_file ("notes.mp4");
  g_autofree char *text_txt = tmp_file ("notes.txt");
  g_autofree char *empty = tmp_file ("empty.mp4");

  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  g_assert_true (g_file_set_contents (text, "These are notes, not a video.\n", -1, &error));
  g_assert_true (g_file_set_contents (text_txt, "These are notes, not a video.\n", -1, &error));
  g_assert_true (g_file_set_contents (empty, "", 0, &error));

  expect_open_error (missing, CS_MEDIA_ERROR_NOT_FOUND, NULL);
  expect_open_error (folder, CS_MEDIA_ERROR_NOT_MEDIA, NULL);
  expect_open_error (text, CS_MEDIA_ERROR_NOT_MEDIA, "Invalid data found");
  expect_open_error (text_txt, CS_MEDIA_ERROR_NOT_MEDIA, NULL);
  expect_open_error (empty, CS_MEDIA_ERROR_NOT_MEDIA, NULL);
}

static char *
truncated_copy (const char *path,
                const char *name,
                double      fraction)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  char *cut = tmp_file (name);
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_true (g_file_set_contents (cut, contents, (gssize) (len * fraction), &error));

  return cut;
}

static void
test_truncated (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *mp4 = data_clip ("529.mp4");
  g_autofree char *webm = NULL;
  g_autofree char *cut_mp4 = NULL;
  g_autofree char *cut_webm = NULL;
  g_autoptr(CsDecoder) decoder = NULL;
  g_autoptr(CsFrame) last = NULL;
  CsFrame *frame;
  gint64 n = 0;

  if (mp4 == NULL)
    return;
  webm = data_clip ("tears_of_steel.webm");
  if (webm == NULL)
    return;

  /* The MP4 index (moov) sits at the end: half a file cannot be read at all. */
  cut_mp4 = truncated_copy (mp4, "half-529.mp4", 0.5);
  expect_open_error (cut_mp4, CS_MEDIA_ERROR_CORRUPT, "Invalid data found");

  /* WebM streams: the first half plays, then ends cleanly. */
  cut_webm = truncated_copy (webm, "half-tears.webm", 0.5);
  decoder = cs_decoder_new (cut_webm, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_decoder_get_n_frames (decoder), >, 0);
  g_assert_cmpint (cs_decoder_get_n_frames (decoder), <, 48);
  while ((frame = cs_decoder_next_frame (decoder, NULL, &error)) != NULL)
    {
      g_assert_cmpint (cs_frame_get_index (frame), ==, n);
      n++;
      cs_frame_unref (frame);
    }
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, cs_decoder_get_n_frames (decoder));
  last = cs_decoder_seek_frame (decoder, n - 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_frame_get_index (last), ==, n - 1);
}

static void
test_audio_only (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = made_clip ("audio-only.m4a");
  g_autoptr(CsMediaInfo) info = NULL;
  g_autoptr(CsDecoder) decoder = NULL;

  if (path == NULL)
    return;

  info = cs_media_probe (path, CS_MEDIA_PROBE_SCAN, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (info->video);
  g_assert_cmpuint (info->video_streams->len, ==, 0);
  g_assert_cmpuint (info->audio_streams->len, ==, 1);
  g_assert_cmpint (((CsAudioStreamInfo *) g_ptr_array_index (info->audio_streams, 0))->sample_rate, ==, 44100);

  decoder = cs_decoder_new (path, NULL, &error);
  g_assert_null (decoder);
  g_assert_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_NO_VIDEO);
  g_assert_nonnull (strstr (error->message, "audio-only.m4a"));
}

/* Decoding and seeking ------------------------------------------------------------- */

/* ffmpeg's own idea of frame @index: the @index-th frame its decoder outputs. */
static GBytes *
ffmpeg_frame (const char *path,
              gint64      index,
              const char *pix_fmt)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *select = g_strdup_printf ("select=eq(n\\,%" G_GINT64_FORMAT ")", index);
  const char *argv[] = {
    "ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0", "-vf", select,
    "-fps_mode", "passthrough", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", pix_fmt, "-", NULL
  };
  GBytes *out = run_tool (argv, &error);

  g_assert_no_error (error);
  return out;
}

static void
check_seeking (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) frames = NULL;
  g_autoptr(CsDecoder) decoder = NULL;
  g_autoptr(GArray) targets = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240611);
  g_autofree char *pix_fmt = NULL;
  gint64 n;

  frames = decode_all (path, &decoder);
  n = frames->len;
  g_assert_cmpint (n, >, 1);
  g_assert_cmpint (n, ==, ffprobe_count_frames (path));
  pix_fmt = g_strdup (cs_decoder_get_video_info (decoder)->pixel_format_name);
  g_clear_object (&decoder);

  decoder = cs_decoder_new (path, NULL, &error);
  g_assert_no_error (error);

  /* Random frames, both ends, backwards steps, the frame just decoded ahead and one
   * a few frames on (decoded forward without a seek). */
  for (int i = 0; i < 10; i++)
    {
      gint64 t = g_rand_int_range (rand, 0, (gint32) n);
      g_array_append_val (targets, t);
    }
  {
    gint64 extra[] = { n - 1, 0, n / 2, n / 2 - 1, n / 2 + 1, n / 2 + 4, n - 2, 1, n / 3 };

    g_array_append_vals (targets, extra, G_N_ELEMENTS (extra));
  }

  for (guint i = 0; i < targets->len; i++)
    {
      gint64 t = CLAMP (g_array_index (targets, gint64, i), 0, n - 1);
      g_autoptr(CsFrame) frame = cs_decoder_seek_frame (decoder, t, NULL, &error);
      g_autoptr(GBytes) pixels = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (frame);
      g_assert_cmpint (cs_frame_get_index (frame), ==, t);
      g_assert_cmpint (cs_frame_get_time_us (frame), ==, cs_decoder_get_frame_time_us (decoder, t));
      pixels = cs_frame_dup_pixels (frame);
      assert_same_pixels (pixels, g_ptr_array_index (frames, t), t);

      /* Sequential decoding goes on from the sought frame. */
      if (t + 1 < n)
        {
          g_autoptr(CsFrame) next = cs_decoder_next_frame (decoder, NULL, &error);
          g_autoptr(GBytes) next_pixels = NULL;

          g_assert_no_error (error);
          g_assert_nonnull (next);
          g_assert_cmpint (cs_frame_get_index (next), ==, t + 1);
          next_pixels = cs_frame_dup_pixels (next);
          assert_same_pixels (next_pixels, g_ptr_array_index (frames, t + 1), t + 1);
        }
    }

  /* Our numbering is ffmpeg's numbering. */
  for (guint i = 0; i < 2; i++)
    {
      gint64 t = g_array_index (targets, gint64, i);
      g_autoptr(GBytes) reference = ffmpeg_frame (path, t, pix_fmt);

      assert_same_pixels (g_ptr_array_index (frames, t), reference, t);
    }
}

static void
test_seek_real (gconstpointer data)
{
  g_autofree char *path = data_clip (data);

  if (path == NULL)
    return;
  if (!have_tools)
    {
      skip ("the ffmpeg and ffprobe programs are needed to check seeking");
      return;
    }

  check_seeking (path);
}

static void
test_seek_generated (gconstpointer data)
{
  g_autofree char *path = made_clip (data);

  if (path == NULL)
    return;

  check_seeking (path);
}

static void
test_seek_time (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = made_clip ("vfr.mkv");
  g_autoptr(CsDecoder) decoder = NULL;

  if (path == NULL)
    return;

  decoder = cs_decoder_new (path, NULL, &error);
  g_assert_no_error (error);

  for (gint64 i = 0; i < cs_decoder_get_n_frames (decoder); i += 7)
    {
      gint64 t = cs_decoder_get_frame_time_us (decoder, i);
      g_autoptr(CsFrame) frame = cs_decoder_seek_time (decoder, t, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (cs_frame_get_index (frame), ==, i);
      /* Just before the next frame is still this one. */
      if (i + 1 < cs_decoder_get_n_frames (decoder))
        g_assert_cmpint (cs_decoder_get_index_at_time (decoder, cs_decoder_get_frame_time_us (decoder, i + 1) - 1), ==, i);
    }

  /* The second part runs at 15 fps: frame 30 is at 1 s, frame 31 at 1 s + 1/15. */
  g_assert_cmpint (cs_decoder_get_frame_time_us (decoder, 30), ==, 1000000);
  g_assert_cmpint (cs_decoder_get_frame_time_us (decoder, 31), ==, 1067000);
  g_assert_cmpint (cs_decoder_get_index_at_time (decoder, 1050000), ==, 30);
  g_assert_cmpint (cs_decoder_get_index_at_time (decoder, -5), ==, 0);
  g_assert_cmpint (cs_decoder_get_index_at_time (decoder, G_MAXINT32), ==, 89);
}

static gpointer
cancel_soon (gpointer data)
{
  g_usleep (500 + g_random_int_range (0, 3000));
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_seek_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = made_clip ("h264-longgop.mp4");
  g_autoptr(CsDecoder) decoder = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) frames = NULL;
  g_autoptr(CsFrame) frame = NULL;
  g_autoptr(GBytes) pixels = NULL;
  int n_seeks = 0, n_cancelled = 0;

  if (path == NULL)
    return;

  frames = decode_all (path, NULL);
  decoder = cs_decoder_new (path, NULL, &error);
  g_assert_no_error (error);

  frame = cs_decoder_seek_frame (decoder, 200, NULL, &error);
  g_assert_null (frame);
  g_assert_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  frame = cs_decoder_seek_frame (decoder, -1, NULL, &error);
  g_assert_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A cancelled wait leaves the decoder usable. */
  g_cancellable_cancel (cancellable);
  frame = cs_decoder_seek_frame (decoder, 150, cancellable, &error);
  if (frame == NULL)
    {
      g_assert_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_CANCELLED);
      g_clear_error (&error);
    }
  g_clear_pointer (&frame, cs_frame_unref);
  frame = cs_decoder_next_frame (decoder, cancellable, &error);
  g_clear_error (&error);
  g_clear_pointer (&frame, cs_frame_unref);

  /* Scrubbing: seeks cancelled while the worker decodes towards them, each superseded
   * by the next. Whatever comes back must be the frame asked for. */
  for (int i = 0; i < 24; i++, n_seeks++)
    {
      g_autoptr(GCancellable) soon = g_cancellable_new ();
      GThread *thread = g_thread_new ("cancel-soon", cancel_soon, soon);
      gint64 target = (i * 67) % 200;

      frame = cs_decoder_seek_frame (decoder, target, soon, &error);
      g_thread_join (thread);
      if (frame != NULL)
        {
          g_autoptr(GBytes) got = cs_frame_dup_pixels (frame);

          g_assert_no_error (error);
          g_assert_cmpint (cs_frame_get_index (frame), ==, target);
          assert_same_pixels (got, g_ptr_array_index (frames, target), target);
          g_clear_pointer (&frame, cs_frame_unref);
        }
      else
        {
          g_assert_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_CANCELLED);
          g_clear_error (&error);
          n_cancelled++;
        }
    }
  g_test_message ("%d of %d seeks were cancelled", n_cancelled, n_seeks);

  frame = cs_decoder_seek_frame (decoder, 77, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_frame_get_index (frame), ==, 77);
  pixels = cs_frame_dup_pixels (frame);
  assert_same_pixels (pixels, g_ptr_array_index (frames, 77), 77);

  /* The end of the stream is not an error. */
  g_clear_pointer (&frame, cs_frame_unref);
  frame = cs_decoder_seek_frame (decoder, 199, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&frame, cs_frame_unref);
  frame = cs_decoder_next_frame (decoder, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (frame);
}

/* Thumbnails ------------------------------------------------------------------------ */

static gboolean
is_red (const guint8 *px)
{
  return px[0] > 180 && px[1] < 80 && px[2] < 80;
}

static gboolean
is_blue (const guint8 *px)
{
  return px[0] < 80 && px[1] < 80 && px[2] > 180;
}

static void
test_thumbnail (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *corner = made_clip ("corner.mp4");
  g_autofree char *tagged = NULL;
  g_autofree char *rotated = NULL;
  g_autoptr(CsDecoder) decoder = NULL;
  g_autoptr(GBytes) thumb = NULL;
  g_autoptr(GBytes) reference = NULL;
  const guint8 *px;
  const guint8 *ref;
  gsize len;
  int width = 0;

  if (corner == NULL)
    return;
  tagged = made_clip ("tagged.mkv");
  if (tagged == NULL)
    return;

  /* Upright: the red block stays top left; the picture keeps its aspect ratio. */
  decoder = cs_decoder_new (corner, NULL, &error);
  g_assert_no_error (error);
  thumb = cs_decoder_get_thumbnail (decoder, 5, 60, &width, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (width, ==, 80);
  px = g_bytes_get_data (thumb, &len);
  g_assert_cmpuint (len, ==, 80 * 60 * 4);
  g_assert_true (is_red (px + (2 * 80 + 2) * 4));
  g_assert_true (is_blue (px + (2 * 80 + 77) * 4));
  g_assert_true (is_blue (px + (57 * 80 + 2) * 4));
  g_assert_cmpuint (px[3], ==, 255);
  g_clear_pointer (&thumb, g_bytes_unref);
  g_clear_object (&decoder);

  /* Non-square pixels widen the picture: 160 × 4/3 = 213 wide for 120 high. */
  decoder = cs_decoder_new (tagged, NULL, &error);
  g_assert_no_error (error);
  thumb = cs_decoder_get_thumbnail (decoder, 0, 120, &width, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (width, ==, 213);
  g_clear_pointer (&thumb, g_bytes_unref);
  thumb = cs_decoder_get_thumbnail (decoder, 0, 0, &width, NULL, &error);
  g_assert_null (thumb);
  g_assert_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_clear_object (&decoder);

  /* Rotated by the display matrix: compare with ffmpeg, which turns it the same way. */
  rotated = tmp_file ("corner-rotated.mp4");
  {
    const char *argv[] = { "ffmpeg", "-y", "-nostdin", "-v", "error", "-i", corner, "-c", "copy",
                           "-metadata:s:v:0", "rotate=90", rotated, NULL };
    g_autoptr(GBytes) out = run_tool (argv, &error);

    g_assert_no_error (error);
  }
  {
    const char *argv[] = { "ffmpeg", "-nostdin", "-v", "error", "-i", rotated, "-frames:v", "1",
                           "-f", "rawvideo", "-pix_fmt", "rgba", "-", NULL };

    reference = run_tool (argv, &error);
    g_assert_no_error (error);
  }

  decoder = cs_decoder_new (rotated, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_decoder_get_video_info (decoder)->rotation % 180, ==, 90);
  thumb = cs_decoder_get_thumbnail (decoder, 0, 160, &width, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (width, ==, 120);
  px = g_bytes_get_data (thumb, &len);
  ref = g_bytes_get_data (reference, NULL);
  g_assert_cmpuint (len, ==, g_bytes_get_size (reference));
  {
    const int corners[4][2] = { { 3, 3 }, { 116, 3 }, { 3, 156 }, { 116, 156 } };
    int red = 0;

    for (int c = 0; c < 4; c++)
      {
        gsize at = ((gsize) corners[c][1] * 120 + corners[c][0]) * 4;

        g_assert_cmpint (is_red (px + at), ==, is_red (ref + at));
        g_assert_cmpint (is_blue (px + at), ==, is_blue (ref + at));
        red += is_red (px + at);
      }
    g_assert_cmpint (red, ==, 1);
  }
}

/* Encoding ------------------------------------------------------------------------- */

typedef struct {
  gint   calls;
  double last_fraction;
  double last_eta;
} Progress;

static void
on_progress (CsEncoder *encoder,
             double     fraction,
             double     eta,
             gpointer   user_data)
{
  Progress *progress = user_data;

  g_assert_true (CS_IS_ENCODER (encoder));
  g_assert_cmpfloat (fraction, >=, progress->last_fraction);
  progress->calls++;
  progress->last_fraction = fraction;
  progress->last_eta = eta;
}

/* Mean absolute difference of the first plane of two packed 8-bit frames. */
static double
luma_difference (GBytes *a,
                 GBytes *b,
                 gsize   luma_size)
{
  const guint8 *pa = g_bytes_get_data (a, NULL);
  const guint8 *pb = g_bytes_get_data (b, NULL);
  guint64 sum = 0;

  for (gsize i = 0; i < luma_size; i++)
    sum += ABS ((int) pa[i] - (int) pb[i]);

  return (double) sum / luma_size;
}

static void
test_encode_h264_audio_copy (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = made_clip ("ntsc.mp4");
  g_autofree char *dest = tmp_file ("ntsc-out.mp4");
  g_autoptr(CsDecoder) decoder = NULL;
  g_autoptr(CsDecoder) check = NULL;
  g_autoptr(CsEncoder) encoder = NULL;
  g_autoptr(GPtrArray) source_frames = NULL;
  g_autoptr(JsonNode) root = NULL;
  Progress progress = { 0 };
  const gint64 n = 72;
  double start, end, expected;
  JsonObject *video, *audio;

  if (source == NULL)
    return;

  source_frames = decode_all (source, &decoder);

  encoder = cs_encoder_new (dest);
  cs_encoder_set_source (encoder, source, cs_decoder_get_video_info (decoder));
  cs_encoder_set_range (encoder, cs_decoder_get_frame_time_us (decoder, 0),
                        cs_decoder_get_frame_time_us (decoder, n));
  g_object_set (encoder, "total-frames", n, "crf", 12, NULL);
  cs_encoder_set_progress_func (encoder, on_progress, &progress, NULL);
  g_assert_true (cs_encoder_start (encoder, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cs_encoder_get_encoder_name (encoder), ==, "libx264");

  for (gint64 i = 0; i < n; i++)
    {
      g_autoptr(CsFrame) frame = cs_decoder_seek_frame (decoder, i, NULL, &error);

      g_assert_no_error (error);
      g_assert_true (cs_encoder_push_frame (encoder, cs_frame_get_av_frame (frame), &error));
      g_assert_no_error (error);
    }
  g_assert_true (cs_encoder_finish (encoder, &error));
  g_assert_no_error (error);
  g_assert_cmpint (progress.calls, ==, n);
  g_assert_cmpfloat (progress.last_fraction, ==, 1.0);
  g_assert_cmpfloat (cs_encoder_get_progress (encoder, NULL), ==, 1.0);
  g_assert_cmpuint (count_partial_files (tmp_dir), ==, 0);

  root = ffprobe (dest, "-show_streams -show_format");
  video = ffprobe_stream (root, 0);
  audio = ffprobe_stream (root, 1);
  g_assert_nonnull (video);
  g_assert_nonnull (audio);
  g_assert_cmpstr (json_str (video, "codec_name"), ==, "h264");
  g_assert_cmpstr (json_str (video, "r_frame_rate"), ==, "24000/1001");
  g_assert_cmpint (json_int (video, "width"), ==, 160);
  g_assert_cmpint (json_int (video, "height"), ==, 120);
  expected = n * 1001.0 / 24000.0;
  g_assert_cmpfloat_with_epsilon (json_seconds (video, "duration"), expected, 1001.0 / 24000.0);
  g_assert_cmpint (ffprobe_count_frames (dest), ==, n);
  g_assert_cmpstr (json_str (audio, "codec_name"), ==, "aac");
  g_assert_cmpint (json_int (audio, "sample_rate"), ==, 48000);

  /* Copied audio is cut on packet boundaries (1024 samples: 21 ms). */
  stream_extent (dest, "a:0", &start, &end, NULL);
  g_assert_cmpfloat_with_epsilon (start, 0.0, 0.03);
  g_assert_cmpfloat_with_epsilon (end, expected, 0.03);

  /* The frames are the source's, in order: each is closer to its own original
   * than to the next one. */
  check = cs_decoder_new (dest, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_decoder_get_n_frames (check), ==, n);
  for (gint64 k = 0; k < n - 1; k += 10)
    {
      g_autoptr(CsFrame) out = cs_decoder_seek_frame (check, k, NULL, &error);
      g_autoptr(GBytes) pixels = NULL;
      double same, next;

      g_assert_no_error (error);
      pixels = cs_frame_dup_pixels (out);
      same = luma_difference (pixels, g_ptr_array_index (source_frames, k), 160 * 120);
      next = luma_difference (pixels, g_ptr_array_index (source_frames, k + 1), 160 * 120);
      g_assert_cmpfloat (same, <, 2.0);
      g_assert_cmpfloat (same, <, next);
    }
}

/* An RGB frame of one grey level: the encoder converts it to YUV itself. */
static AVFrame *
grey_rgb_frame (int width,
                int height,
                int level)
{
  AVFrame *frame = av_frame_alloc ();

  frame->format = AV_PIX_FMT_RGB24;
  frame->width = width;
  frame->height = height;
  g_assert_cmpint (av_frame_get_buffer (frame, 0), ==, 0);
  for (int y = 0; y < height; y++)
    memset (frame->data[0] + (gsize) y * frame->linesize[0], level, (gsize) width * 3);

  return frame;
}

static void
test_encode_webm_opus (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = made_clip ("ntsc.mp4");
  g_autofree char *dest = tmp_file ("grey.webm");
  g_autoptr(CsEncoder) encoder = NULL;
  g_autoptr(CsDecoder) check = NULL;
  g_autoptr(JsonNode) root = NULL;
  const int n = 24;
  double start, end;
  JsonObject *audio;
  CsFrame *frame;
  int k = 0;

  if (source == NULL)
    return;

  encoder = cs_encoder_new (dest);
  cs_encoder_set_source (encoder, source, NULL);
  cs_encoder_set_frame_rate (encoder, av_make_q (24000, 1001));
  cs_encoder_set_range (encoder, 1000000, 2000000);
  g_object_set (encoder, "width", 128, "height", 96, "crf", 20, NULL);
  g_assert_true (cs_encoder_start (encoder, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cs_encoder_get_encoder_name (encoder), ==, "libvpx-vp9");

  for (int i = 0; i < n; i++)
    {
      AVFrame *rgb = grey_rgb_frame (128, 96, 10 * i);

      g_assert_true (cs_encoder_push_frame (encoder, rgb, &error));
      g_assert_no_error (error);
      av_frame_free (&rgb);
    }
  g_assert_true (cs_encoder_finish (encoder, &error));
  g_assert_no_error (error);

  root = ffprobe (dest, "-show_streams");
  audio = ffprobe_stream (root, 1);
  g_assert_cmpstr (json_str (ffprobe_stream (root, 0), "codec_name"), ==, "vp9");
  g_assert_nonnull (audio);
  g_assert_cmpstr (json_str (audio, "codec_name"), ==, "opus");
  g_assert_cmpint (json_int (audio, "sample_rate"), ==, 48000);
  g_assert_cmpint (ffprobe_count_frames (dest), ==, n);

  /* One second of the source's audio, from 1 s to 2 s, now starting at 0. */
  stream_extent (dest, "a:0", &start, &end, NULL);
  g_assert_cmpfloat_with_epsilon (start, 0.0, 0.01);
  g_assert_cmpfloat_with_epsilon (end, 1.0, 0.03);

  /* Grey g in RGB is luma 16 + 219 g / 255 in limited range, whatever the matrix. */
  check = cs_decoder_new (dest, NULL, &error);
  g_assert_no_error (error);
  while ((frame = cs_decoder_next_frame (check, NULL, &error)) != NULL)
    {
      int stride;
      const guint8 *y = cs_frame_get_plane (frame, 0, &stride);
      double expected = 16.0 + 219.0 * (10 * k) / 255.0;

      g_assert_cmpint (cs_frame_get_index (frame), ==, k);
      g_assert_cmpfloat_with_epsilon (y[48 * stride + 64], expected, 3.0);
      cs_frame_unref (frame);
      k++;
    }
  g_assert_no_error (error);
  g_assert_cmpint (k, ==, n);
}

static void
check_lossless_round_trip (const char *source,
                           const char *dest_name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dest = tmp_file (dest_name);
  g_autoptr(CsDecoder) decoder = NULL;
  g_autoptr(CsEncoder) encoder = NULL;
  g_autoptr(GPtrArray) in = NULL;
  g_autoptr(GPtrArray) out = NULL;
  CsFrame *frame;

  in = decode_all (source, NULL);
  decoder = cs_decoder_new (source, NULL, &error);
  g_assert_no_error (error);

  encoder = cs_encoder_new (dest);
  cs_encoder_set_source (encoder, source, cs_decoder_get_video_info (decoder));
  g_object_set (encoder, "video-codec", CS_VIDEO_CODEC_FFV1, "pixel-format",
                cs_decoder_get_video_info (decoder)->pixel_format, NULL);
  g_assert_true (cs_encoder_start (encoder, NULL, &error));
  g_assert_no_error (error);
  while ((frame = cs_decoder_next_frame (decoder, NULL, &error)) != NULL)
    {
      g_assert_true (cs_encoder_push_frame (encoder, cs_frame_get_av_frame (frame), &error));
      cs_frame_unref (frame);
    }
  g_assert_no_error (error);
  g_assert_true (cs_encoder_finish (encoder, &error));
  g_assert_no_error (error);

  out = decode_all (dest, NULL);
  g_assert_cmpuint (out->len, ==, in->len);
  for (guint i = 0; i < in->len; i++)
    assert_same_pixels (g_ptr_array_index (out, i), g_ptr_array_index (in, i), i);
}

static void
test_encode_ffv1_lossless (void)
{
  g_autofree char *odd = made_clip ("ffv1-odd.mkv");
  g_autofree char *tenbit = NULL;

  if (odd == NULL)
    return;
  tenbit = made_clip ("h264-10bit.mkv");
  if (tenbit == NULL)
    return;

  check_lossless_round_trip (odd, "ffv1-odd-out.mkv");
  check_lossless_round_trip (tenbit, "ffv1-10bit-out.mkv");
}

static void
test_encode_av1 (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dest = tmp_file ("grey-av1.mkv");
  g_autoptr(CsEncoder) encoder = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (!cs_encoder_codec_available (CS_VIDEO_CODEC_AV1))
    {
      skip ("this FFmpeg has no AV1 encoder (libsvtav1 or libaom-av1)");
      return;
    }
  if (!have_tools)
    {
      skip ("ffprobe is needed to check the AV1 file");
      return;
    }

  encoder = cs_encoder_new (dest);
  g_object_set (encoder, "video-codec", CS_VIDEO_CODEC_AV1, "width", 128, "height", 96, NULL);
  cs_encoder_set_frame_rate (encoder, av_make_q (25, 1));
  g_assert_true (cs_encoder_start (encoder, NULL, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 12; i++)
    {
      AVFrame *rgb = grey_rgb_frame (128, 96, 20 * i);

      g_assert_true (cs_encoder_push_frame (encoder, rgb, &error));
      av_frame_free (&rgb);
    }
  g_assert_true (cs_encoder_finish (encoder, &error));
  g_assert_no_error (error);

  root = ffprobe (dest, "-show_streams");
  g_assert_cmpstr (json_str (ffprobe_stream (root, 0), "codec_name"), ==, "av1");
  g_assert_cmpint (ffprobe_count_frames (dest), ==, 12);
}

static void
test_encode_audio_streams (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *two = made_clip ("two-audio.mkv");
  g_autofree char *tears = NULL;
  g_autofree char *dest = tmp_file ("two-audio-out.mkv");
  g_autofree char *dest_mp4 = tmp_file ("tears-out.mp4");
  g_autoptr(CsDecoder) decoder = NULL;
  g_autoptr(CsEncoder) encoder = NULL;
  g_autoptr(JsonNode) root = NULL;
  double start, end;

  if (two == NULL)
    return;

  /* Matroska holds AAC and FLAC: both streams are copied untouched. */
  decoder = cs_decoder_new (two, NULL, &error);
  g_assert_no_error (error);
  encoder = cs_encoder_new (dest);
  cs_encoder_set_source (encoder, two, cs_decoder_get_video_info (decoder));
  g_assert_true (cs_encoder_start (encoder, NULL, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 25; i++)
    {
      g_autoptr(CsFrame) frame = cs_decoder_next_frame (decoder, NULL, &error);

      g_assert_no_error (error);
      g_assert_true (cs_encoder_push_frame (encoder, cs_frame_get_av_frame (frame), &error));
    }
  g_assert_true (cs_encoder_finish (encoder, &error));
  g_assert_no_error (error);

  root = ffprobe (dest, "-show_streams");
  g_assert_cmpstr (json_str (ffprobe_stream (root, 1), "codec_name"), ==, "aac");
  g_assert_cmpstr (json_str (ffprobe_stream (root, 2), "codec_name"), ==, "flac");
  g_assert_null (ffprobe_stream (root, 3));
  /* With no range given, audio ends with the video: 25 frames at 25 fps. */
  stream_extent (dest, "a:1", &start, &end, NULL);
  g_assert_cmpfloat_with_epsilon (end, 1.0, 0.12);
  g_clear_pointer (&root, json_node_unref);
  g_clear_object (&encoder);
  g_clear_object (&decoder);

  /* Vorbis does not belong in MP4: it is converted to AAC. */
  tears = data_clip ("tears_of_steel.webm");
  if (tears == NULL)
    return;
  decoder = cs_decoder_new (tears, NULL, &error);
  g_assert_no_error (error);
  encoder = cs_encoder_new (dest_mp4);
  cs_encoder_set_source (encoder, tears, cs_decoder_get_video_info (decoder));
  g_object_set (encoder, "crf", 30, NULL);
  g_assert_true (cs_encoder_start (encoder, NULL, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 24; i++)
    {
      g_autoptr(CsFrame) frame = cs_decoder_next_frame (decoder, NULL, &error);

      g_assert_no_error (error);
      g_assert_true (cs_encoder_push_frame (encoder, cs_frame_get_av_frame (frame), &error));
    }
  g_assert_true (cs_encoder_finish (encoder, &error));
  g_assert_no_error (error);

  root = ffprobe (dest_mp4, "-show_streams");
  g_assert_cmpstr (json_str (ffprobe_stream (root, 1), "codec_name"), ==, "aac");
  stream_extent (dest_mp4, "a:0", &start, &end, NULL);
  g_assert_cmpfloat_with_epsilon (end, 1.0, 0.05);
}

static gboolean
push_grey_frames (CsEncoder  *encoder,
                  int         n,
                  GError    **error)
{
  for (int i = 0; i < n; i++)
    {
      AVFrame *rgb = grey_rgb_frame (160, 120, (7 * i) % 256);
      gboolean ok = cs_encoder_push_frame (encoder, rgb, error);

      av_frame_free (&rgb);
      if (!ok)
        return FALSE;
    }

  return TRUE;
}

static void
test_encode_cancel (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = made_clip ("ntsc.mp4");
  g_autofree char *folder = tmp_file ("cancel");
  g_autofree char *existing = NULL;
  g_autofree char *fresh = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(CsEncoder) encoder = NULL;

  if (source == NULL)
    return;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  existing = g_build_filename (folder, "precious.mp4", NULL);
  fresh = g_build_filename (folder, "fresh.mp4", NULL);
  g_assert_true (g_file_set_contents (existing, "precious", -1, &error));

  /* Cancelled midway: the old file stays as it was. */
  encoder = cs_encoder_new (existing);
  cs_encoder_set_source (encoder, source, NULL);
  g_object_set (encoder, "width", 160, "height", 120, "queue-size", 2, NULL);
  g_assert_true (cs_encoder_start (encoder, cancellable, &error));
  g_assert_no_error (error);
  g_assert_true (push_grey_frames (encoder, 10, &error));
  g_assert_no_error (error);
  g_cancellable_cancel (cancellable);
  g_assert_false (push_grey_frames (encoder, 1, &error));
  g_assert_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (cs_encoder_finish (encoder, &error));
  g_assert_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_true (file_has_contents (existing, "precious"));
  g_assert_cmpuint (count_partial_files (folder), ==, 0);
  g_clear_object (&encoder);

  /* Cancelled before the end, with no file there before: none after. */
  g_cancellable_reset (cancellable);
  encoder = cs_encoder_new (fresh);
  cs_encoder_set_source (encoder, source, NULL);
  g_object_set (encoder, "width", 160, "height", 120, NULL);
  g_assert_true (cs_encoder_start (encoder, cancellable, &error));
  g_assert_true (push_grey_frames (encoder, 5, &error));
  g_cancellable_cancel (cancellable);
  g_assert_false (cs_encoder_finish (encoder, &error));
  g_assert_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_partial_files (folder), ==, 0);
  g_clear_object (&encoder);

  /* Dropped without finishing: the same. */
  encoder = cs_encoder_new (existing);
  g_object_set (encoder, "width", 160, "height", 120, NULL);
  g_assert_true (cs_encoder_start (encoder, NULL, &error));
  g_assert_true (push_grey_frames (encoder, 5, &error));
  g_assert_cmpuint (count_partial_files (folder), ==, 1);
  g_clear_object (&encoder);
  g_assert_true (file_has_contents (existing, "precious"));
  g_assert_cmpuint (count_partial_files (folder), ==, 0);

  /* Finishing with no frame at all writes nothing. */
  encoder = cs_encoder_new (fresh);
  g_object_set (encoder, "width", 160, "height", 120, NULL);
  g_assert_true (cs_encoder_start (encoder, NULL, &error));
  g_assert_false (cs_encoder_finish (encoder, &error));
  g_assert_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT);
  g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_partial_files (folder), ==, 0);
}

static void
expect_start_error (CsEncoder *encoder,
                    int        code)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (cs_encoder_start (encoder, NULL, &error));
  g_assert_error (error, CS_MEDIA_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_cmpuint (strlen (error->message), >, 10);
}

static void
test_encode_bad_destinations (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = made_clip ("ntsc.mp4");
  g_autofree char *copy = tmp_file ("same.mp4");
  g_autofree char *link = tmp_file ("same-link.mp4");
  g_autofree char *plain = tmp_file ("plain-file");
  g_autofree char *under_file = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  CsEncoder *encoder;
  gsize before_len, after_len;

  if (source == NULL)
    return;

  g_assert_true (g_file_get_contents (source, &before, &before_len, &error));
  g_assert_true (g_file_set_contents (copy, before, before_len, &error));
  g_assert_cmpint (symlink (copy, link), ==, 0);

  /* The source itself, directly or through a link. */
  encoder = cs_encoder_new (copy);
  cs_encoder_set_source (encoder, copy, NULL);
  g_object_set (encoder, "width", 160, "height", 120, NULL);
  expect_start_error (encoder, CS_MEDIA_ERROR_SAME_FILE);
  g_object_unref (encoder);
  encoder = cs_encoder_new (link);
  cs_encoder_set_source (encoder, copy, NULL);
  g_object_set (encoder, "width", 160, "height", 120, NULL);
  expect_start_error (encoder, CS_MEDIA_ERROR_SAME_FILE);
  g_object_unref (encoder);
  g_assert_true (g_file_get_contents (copy, &after, &after_len, &error));
  g_assert_cmpmem (before, before_len, after, after_len);

  /* Folders nobody can write to, even root: /proc, and a file where a folder should be. */
  encoder = cs_encoder_new ("/proc/celshade-export.mp4");
  g_object_set (encoder, "width", 160, "height", 120, NULL);
  expect_start_error (encoder, CS_MEDIA_ERROR_WRITE);
  g_object_unref (encoder);
  g_assert_true (g_file_set_contents (plain, "a file", -1, &error));
  under_file = g_build_filename (plain, "out.mp4", NULL);
  encoder = cs_encoder_new (under_file);
  g_object_set (encoder, "width", 160, "height", 120, NULL);
  expect_start_error (encoder, CS_MEDIA_ERROR_WRITE);
  g_object_unref (encoder);

  /* A folder as the destination. */
  encoder = cs_encoder_new (tmp_dir);
  g_object_set (encoder, "width", 160, "height", 120, "container", CS_CONTAINER_MKV, NULL);
  expect_start_error (encoder, CS_MEDIA_ERROR_WRITE);
  g_object_unref (encoder);

  /* A missing audio source. */
  encoder = cs_encoder_new (copy);
  cs_encoder_set_source (encoder, "/nonexistent/clip.mp4", NULL);
  g_object_set (encoder, "width", 160, "height", 120, NULL);
  expect_start_error (encoder, CS_MEDIA_ERROR_NOT_FOUND);
  g_object_unref (encoder);

  g_assert_cmpuint (count_partial_files (tmp_dir), ==, 0);
}

static void
test_encode_bad_settings (void)
{
  g_autofree char *avi = tmp_file ("out.avi");
  g_autofree char *webm = tmp_file ("out.webm");
  g_autofree char *mp4 = tmp_file ("out.mp4");
  g_autofree char *mkv = tmp_file ("out.mkv");
  CsEncoder *encoder;

  encoder = cs_encoder_new (avi);
  g_object_set (encoder, "width", 160, "height", 120, NULL);
  expect_start_error (encoder, CS_MEDIA_ERROR_UNSUPPORTED_FORMAT);
  g_object_unref (encoder);

  encoder = cs_encoder_new (webm);
  g_object_set (encoder, "width", 160, "height", 120, "video-codec", CS_VIDEO_CODEC_FFV1, NULL);
  expect_start_error (encoder, CS_MEDIA_ERROR_UNSUPPORTED_FORMAT);
  g_object_unref (encoder);

  encoder = cs_encoder_new (mp4);
  g_object_set (encoder, "width", 160, "height", 120, "video-codec", CS_VIDEO_CODEC_H264, NULL);
  cs_encoder_set_frame_rate (encoder, av_make_q (0, 1));
  expect_start_error (encoder, CS_MEDIA_ERROR_INVALID_ARGUMENT);
  g_object_unref (encoder);

  encoder = cs_encoder_new (mp4);
  g_object_set (encoder, "width", 321, "height", 241, NULL);
  expect_start_error (encoder, CS_MEDIA_ERROR_INVALID_ARGUMENT);
  g_object_unref (encoder);

  encoder = cs_encoder_new (mp4);
  g_object_set (encoder, "width", 160, "height", 120, "crf", 60, NULL);
  expect_start_error (encoder, CS_MEDIA_ERROR_INVALID_ARGUMENT);
  g_object_unref (encoder);

  encoder = cs_encoder_new (mkv);
  g_object_set (encoder, "width", 0, "height", 120, NULL);
  expect_start_error (encoder, CS_MEDIA_ERROR_INVALID_ARGUMENT);
  g_object_unref (encoder);

  encoder = cs_encoder_new (mkv);
  g_object_set (encoder, "width", 160, "height", 120, "pixel-format", AV_PIX_FMT_PAL8, NULL);
  expect_start_error (encoder, CS_MEDIA_ERROR_INVALID_ARGUMENT);
  g_object_unref (encoder);

  g_assert_false (g_file_test (mp4, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_partial_files (tmp_dir), ==, 0);
}

static void
test_encode_full_disk (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = tmp_file ("small-disk");
  g_autofree char *dest = NULL;
  g_autoptr(CsEncoder) encoder = NULL;
  gboolean ok;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  if (mount ("tmpfs", folder, "tmpfs", 0, "size=64k") != 0)
    {
      skip ("cannot mount a small tmpfs to fill (%s); run as root to test a full disk",
            g_strerror (errno));
      return;
    }

  dest = g_build_filename (folder, "big.mkv", NULL);
  encoder = cs_encoder_new (dest);
  /* Lossless noise-free grey still takes far more than 64 KiB over 60 frames of
   * changing levels at this size. */
  g_object_set (encoder, "width", 320, "height", 240, "video-codec", CS_VIDEO_CODEC_FFV1, NULL);
  ok = cs_encoder_start (encoder, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);

  for (int i = 0; ok && i < 60; i++)
    {
      AVFrame *rgb = grey_rgb_frame (320, 240, (97 * i) % 256);

      /* Stripes defeat FFV1's prediction so every frame costs real space. */
      for (int y = 0; y < 240; y++)
        for (int x = 0; x < 320 * 3; x++)
          rgb->data[0][y * rgb->linesize[0] + x] = (guint8) ((x * 31 + y * 17 + i * 13) ^ (x * y));
      ok = cs_encoder_push_frame (encoder, rgb, &error);
      av_frame_free (&rgb);
    }
  if (ok)
    ok = cs_encoder_finish (encoder, &error);

  g_assert_false (ok);
  g_assert_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_NO_SPACE);
  g_test_message ("%s", error->message);
  g_clear_object (&encoder);
  g_assert_false (g_file_test (dest, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_partial_files (folder), ==, 0);

  g_assert_cmpint (umount2 (folder, MNT_DETACH), ==, 0);
}

/* The export choices: every codec listed for a container writes a file that
 * ffprobe reads back as that codec, at the listed quality bounds; every codec
 * left out is one the encoder refuses there, or one ffmpeg's own list of
 * encoders lacks. */
static void
test_codecs_per_container (void)
{
  static const CsContainer containers[] = { CS_CONTAINER_MP4, CS_CONTAINER_MKV, CS_CONTAINER_WEBM };
  static const CsVideoCodec codecs[] = {
    CS_VIDEO_CODEC_H264, CS_VIDEO_CODEC_VP9, CS_VIDEO_CODEC_AV1, CS_VIDEO_CODEC_FFV1,
  };
  const char *argv[] = { "ffmpeg", "-hide_banner", "-encoders", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) listing = NULL;
  g_autofree char *text = NULL;
  guint listed_total = 0;

  if (!have_tools)
    {
      skip ("ffmpeg and ffprobe are needed to check the codecs offered");
      return;
    }
  listing = run_tool (argv, &error);
  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (listing, NULL), g_bytes_get_size (listing));

  g_assert_cmpint (cs_container_from_name ("mkv"), ==, CS_CONTAINER_MKV);
  g_assert_cmpint (cs_container_from_name ("/videos/Out.WebM"), ==, CS_CONTAINER_WEBM);
  g_assert_cmpint (cs_container_from_name ("clip.avi"), ==, CS_CONTAINER_AUTO);
  g_assert_cmpint (cs_video_codec_from_name ("vp9"), ==, CS_VIDEO_CODEC_VP9);
  g_assert_cmpint (cs_video_codec_from_name ("mpeg2"), ==, CS_VIDEO_CODEC_AUTO);

  for (guint c = 0; c < G_N_ELEMENTS (codecs); c++)
    {
      const CsVideoCodecInfo *info = cs_video_codec_get_info (codecs[c]);
      g_autofree char *needle = NULL;

      g_assert_cmpint (info != NULL, ==, cs_encoder_codec_available (codecs[c]));
      if (info == NULL)
        continue;
      /* ffmpeg's own list names the encoder the table chose. */
      needle = g_strdup_printf (" %s ", info->encoder);
      g_assert_nonnull (strstr (text, needle));
      g_assert_cmpint (cs_video_codec_from_name (info->name), ==, codecs[c]);
      g_assert_cmpint (info->crf_default, <=, info->crf_max);
    }

  for (guint k = 0; k < G_N_ELEMENTS (containers); k++)
    {
      g_autoptr(GPtrArray) list = cs_container_list_codecs (containers[k]);

      g_assert_true (cs_container_available (containers[k]));
      g_assert_cmpuint (list->len, >, 0);
      g_assert_cmpint (((CsVideoCodecInfo *) list->pdata[0])->codec, ==,
                       cs_container_get_default_codec (containers[k]));

      for (guint c = 0; c < G_N_ELEMENTS (codecs); c++)
        {
          const CsVideoCodecInfo *info = NULL;
          g_autofree char *name = g_strdup_printf ("codec-%u.%s", codecs[c],
                                                   cs_container_get_name (containers[k]));
          g_autofree char *dest = tmp_file (name);
          g_autoptr(CsEncoder) encoder = cs_encoder_new (dest);
          gboolean started;

          for (guint i = 0; i < list->len; i++)
            if (((CsVideoCodecInfo *) list->pdata[i])->codec == codecs[c])
              info = list->pdata[i];

          g_object_set (encoder, "video-codec", codecs[c], "width", 128, "height", 96, NULL);
          /* The strongest compression the table allows must be accepted. */
          if (info != NULL && info->crf_max >= 0)
            g_object_set (encoder, "crf", info->crf_max, NULL);
          cs_encoder_set_frame_rate (encoder, av_make_q (25, 1));
          g_clear_error (&error);
          started = cs_encoder_start (encoder, NULL, &error);
          g_test_message ("%s in %s: %s", cs_video_codec_get_info (codecs[c]) != NULL
                          ? cs_video_codec_get_info (codecs[c])->label : "(no encoder)",
                          cs_container_get_label (containers[k]),
                          started ? "written" : error->message);
          if (info == NULL)
            {
              g_assert_false (started);
              g_assert_true (g_error_matches (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_UNSUPPORTED_FORMAT) ||
                             g_error_matches (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_UNSUPPORTED_CODEC));
              continue;
            }
          g_assert_no_error (error);
          g_assert_true (started);
          for (int i = 0; i < 4; i++)
            {
              AVFrame *rgb = grey_rgb_frame (128, 96, 40 * i);

              g_assert_true (cs_encoder_push_frame (encoder, rgb, &error));
              av_frame_free (&rgb);
            }
          g_assert_true (cs_encoder_finish (encoder, &error));
          g_assert_no_error (error);
          {
            g_autoptr(JsonNode) root = ffprobe (dest, "-show_streams");
            const char *probed = json_str (ffprobe_stream (root, 0), "codec_name");

            g_assert_cmpstr (probed, ==, info->name);
          }
          g_assert_cmpint (ffprobe_count_frames (dest), ==, 4);
          listed_total++;
        }
    }
  g_assert_cmpuint (listed_total, >, 0);

  /* One step beyond the table's bound is refused, so the bound is the encoder's. */
  {
    const CsVideoCodecInfo *h264 = cs_video_codec_get_info (CS_VIDEO_CODEC_H264);

    if (h264 != NULL)
      {
        g_autofree char *dest = tmp_file ("crf-beyond.mp4");
        g_autoptr(CsEncoder) encoder = cs_encoder_new (dest);

        g_object_set (encoder, "video-codec", CS_VIDEO_CODEC_H264, "width", 128, "height", 96,
                      "crf", h264->crf_max + 1, NULL);
        expect_start_error (encoder, CS_MEDIA_ERROR_INVALID_ARGUMENT);
      }
  }
  g_assert_cmpuint (count_partial_files (tmp_dir), ==, 0);
}

/* Set-up ------------------------------------------------------------------------------ */

static char *
find_data_dir (void)
{
  const char *env = g_getenv ("CELSHADE_TEST_DATA");
  g_autofree char *fallback = g_build_filename (CS_SOURCE_DIR, "..", "shared", "data", NULL);

  if (env != NULL && *env != '\0')
    return g_file_test (env, G_FILE_TEST_IS_DIR) ? g_strdup (env) : NULL;

  return g_file_test (fallback, G_FILE_TEST_IS_DIR) ? g_steal_pointer (&fallback) : NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ffmpeg = NULL;
  g_autofree char *ffprobe_path = NULL;
  static const char * const real_clips[] = {
    "529.mp4", "529_2.mp4", "651.mp4", "tears_of_steel.webm",
    "30fps_numeroted_frames_red.mkv", "30fps_numeroted_frames_blue.webm",
  };
  static const char * const seek_clips[] = {
    "h264-longgop.mp4", "h264-offset.mkv", "vp9.webm", "vp9-odd.webm", "mpeg4.avi",
    "h264-10bit.mkv", "ffv1-odd.mkv", "ntsc.mp4", "vfr.mkv",
  };
  int ret;

  g_test_init (&argc, &argv, NULL);

  data_dir = find_data_dir ();
  tmp_dir = g_dir_make_tmp ("celshade-media-XXXXXX", &error);
  g_assert_no_error (error);
  made_clips = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  ffmpeg = g_find_program_in_path ("ffmpeg");
  ffprobe_path = g_find_program_in_path ("ffprobe");
  have_tools = ffmpeg != NULL && ffprobe_path != NULL;

  for (guint i = 0; i < G_N_ELEMENTS (real_clips); i++)
    {
      g_autofree char *probe = g_strdup_printf ("/media/probe/real/%s", real_clips[i]);
      g_autofree char *seek = g_strdup_printf ("/media/seek/real/%s", real_clips[i]);

      g_test_add_data_func (probe, real_clips[i], test_probe_real);
      g_test_add_data_func (seek, real_clips[i], test_seek_real);
    }
  for (guint i = 0; i < G_N_ELEMENTS (seek_clips); i++)
    {
      g_autofree char *probe = g_strdup_printf ("/media/probe/generated/%s", seek_clips[i]);
      g_autofree char *seek = g_strdup_printf ("/media/seek/generated/%s", seek_clips[i]);

      g_test_add_data_func (probe, seek_clips[i], test_probe_generated);
      g_test_add_data_func (seek, seek_clips[i], test_seek_generated);
    }
  g_test_add_data_func ("/media/probe/generated/two-audio.mkv", "two-audio.mkv", test_probe_generated);
  g_test_add_data_func ("/media/probe/generated/tagged.mkv", "tagged.mkv", test_probe_generated);
  g_test_add_func ("/media/probe/details", test_probe_details);
  g_test_add_func ("/media/errors/bad-inputs", test_bad_inputs);
  g_test_add_func ("/media/errors/truncated", test_truncated);
  g_test_add_func ("/media/errors/audio-only", test_audio_only);
  g_test_add_func ("/media/seek/time", test_seek_time);
  g_test_add_func ("/media/seek/errors", test_seek_errors);
  g_test_add_func ("/media/thumbnail", test_thumbnail);
  g_test_add_func ("/media/encode/h264-audio-copy", test_encode_h264_audio_copy);
  g_test_add_func ("/media/encode/webm-opus", test_encode_webm_opus);
  g_test_add_func ("/media/encode/ffv1-lossless", test_encode_ffv1_lossless);
  g_test_add_func ("/media/encode/av1", test_encode_av1);
  g_test_add_func ("/media/encode/audio-streams", test_encode_audio_streams);
  g_test_add_func ("/media/encode/cancel", test_encode_cancel);
  g_test_add_func ("/media/encode/bad-destinations", test_encode_bad_destinations);
  g_test_add_func ("/media/encode/bad-settings", test_encode_bad_settings);
  g_test_add_func ("/media/encode/full-disk", test_encode_full_disk);
  g_test_add_func ("/media/encode/codecs-per-container", test_codecs_per_container);

  ret = g_test_run ();

  cs_test_remove_tree (tmp_dir);
  g_hash_table_unref (made_clips);
  g_free (tmp_dir);
  g_free (data_dir);

  return ret;
}
