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

G_END_DECLS
