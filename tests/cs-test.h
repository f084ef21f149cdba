/* cs-test.h: helpers every test program shares, whatever layer it links
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Removes path and everything below it (or the file path). A symbolic link
 * is removed, never followed: a test folder may link to material it does
 * not own. */
void cs_test_remove_tree (const char *path);

/* The VToonify-D test material: a style exported from random weights and
 * PyTorch's outputs on it (tests/vtoonify/make_reference.py), in the build
 * folder's vtoonify-material. It is made when missing or when the scripts
 * that make it have changed, by one test program at a time (others running
 * in parallel wait for it). Returns the folder; when it cannot be made here
 * (no python3, no PyTorch) *skip_reason says why, for g_test_skip(). */
char *cs_test_vtoonify_material (char **skip_reason);

G_END_DECLS
