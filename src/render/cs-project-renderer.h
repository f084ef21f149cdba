/* cs-project-renderer.h: a project's timeline rendered into a new file
 *
 * A project render is a CsClipRenderer over the project's source clip whose
 * plan (cs_clip_renderer_set_plan()) asks the project's timeline, frame by
 * frame, which styles apply with what weights and degrees: segments, degree
 * keyframes and cross-fades. Everything that could stop the render (a
 * missing or changed clip, a style folder that cannot be loaded) is found
 * when it is made, before any frame is styled.
 *
 *   g_autoptr(CsClipRenderer) r = cs_project_renderer_new (project, "out.mkv", &error);
 *   if (r == NULL || !cs_clip_renderer_run (r, cancellable, &error)) …
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cs-clip-renderer.h"
#include "cs-project.h"

G_BEGIN_DECLS

/* A renderer of @project's document as it is now (later edits do not
 * change it) into @output; set the range, codec, device… on it as for a
 * clip, but not its style or degree. Fails with CS_RENDER_ERROR_INVALID_ARGUMENT
 * when the clip is missing or changed (relink it in the app) or a segment's
 * style cannot be loaded (the message names the segment and the style). */
CsClipRenderer *cs_project_renderer_new         (CsProject   *project,
                                                 const char  *output,
                                                 GError     **error);

/* How many distinct styles the project's segments use (known styles
 * loaded by cs_project_renderer_new()); 0 for other renderers. */
guint           cs_project_renderer_get_n_styles (CsClipRenderer *renderer);

G_END_DECLS
