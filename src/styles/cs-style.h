/* cs-style.h: a style folder (style.json, model.onnx, thumbnail.png)
 *
 * A style is a folder that holds a generator network and the description of
 * how to feed it: style.json names the model file, the tensors, their layout,
 * channel order and value range, the size multiple the network needs, what
 * 'degree' means for it, and where it came from (authors, licence, source).
 * Loading checks all of it, so that later layers can trust a CsStyle.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CS_STYLE_ERROR (cs_style_error_quark ())

/**
 * CsStyleError:
 * @CS_STYLE_ERROR_FAILED: a failure that fits no other code.
 * @CS_STYLE_ERROR_NOT_FOUND: a file or folder the style needs does not exist.
 * @CS_STYLE_ERROR_INVALID: a file is malformed or a field holds a bad value.
 * @CS_STYLE_ERROR_UNSUPPORTED: a valid description that this version cannot use
 *   (a newer format version, another layout or value range).
 * @CS_STYLE_ERROR_EXISTS: the destination of an import already exists.
 * @CS_STYLE_ERROR_CHECKPOINT: a checkpoint to import is incomplete or damaged.
 * @CS_STYLE_ERROR_IMAGE: an image could not be read or written.
 * @CS_STYLE_ERROR_SAME_FILE: the output would overwrite the input.
 * @CS_STYLE_ERROR_INVALID_ARGUMENT: a parameter is out of range.
 * @CS_STYLE_ERROR_CANCELLED: the operation was cancelled.
 *
 * Error codes of the %CS_STYLE_ERROR domain.
 */
typedef enum {
  CS_STYLE_ERROR_FAILED,
  CS_STYLE_ERROR_NOT_FOUND,
  CS_STYLE_ERROR_INVALID,
  CS_STYLE_ERROR_UNSUPPORTED,
  CS_STYLE_ERROR_EXISTS,
  CS_STYLE_ERROR_CHECKPOINT,
  CS_STYLE_ERROR_IMAGE,
  CS_STYLE_ERROR_SAME_FILE,
  CS_STYLE_ERROR_INVALID_ARGUMENT,
  CS_STYLE_ERROR_CANCELLED,
} CsStyleError;

GQuark cs_style_error_quark (void);

/* The style.json format version this code writes and reads. */
#define CS_STYLE_FORMAT_VERSION 1

/* The only degree kind so far: output = (1 - d) * input + d * styled,
 * per channel in the gamma-encoded 0..255 RGB values the network sees. */
#define CS_STYLE_DEGREE_BLEND "blend"

#define CS_TYPE_STYLE (cs_style_get_type ())
G_DECLARE_FINAL_TYPE (CsStyle, cs_style, CS, STYLE, GObject)

/* Reads and checks folder/style.json and that the model file exists inside
 * the folder. Failures are CS_STYLE_ERROR naming the file and field. */
CsStyle            *cs_style_new_from_folder       (const char *folder,
                                                    GError    **error);

/* The folder as given, made absolute. */
const char         *cs_style_get_folder            (CsStyle    *self);
int                 cs_style_get_format_version    (CsStyle    *self);
/* A short identifier: letters, digits, '_', '-' and '.'. */
const char         *cs_style_get_id                (CsStyle    *self);
/* The name shown to users. */
const char         *cs_style_get_name              (CsStyle    *self);
/* NULL-terminated; may be empty, never NULL. */
const char * const *cs_style_get_authors           (CsStyle    *self);
const char         *cs_style_get_licence           (CsStyle    *self);
/* Where the network came from: a URL or a description. */
const char         *cs_style_get_source            (CsStyle    *self);
/* The kind of network, e.g. "fast-style-transfer"; informative. */
const char         *cs_style_get_kind              (CsStyle    *self);
/* The model file's absolute path, checked to lie inside the folder. */
const char         *cs_style_get_model_path        (CsStyle    *self);
const char         *cs_style_get_input_name        (CsStyle    *self);
const char         *cs_style_get_output_name       (CsStyle    *self);
/* Width and height the network needs to be multiples of (1 for any). */
int                 cs_style_get_size_multiple     (CsStyle    *self);
/* CS_STYLE_DEGREE_BLEND, the only kind loading accepts. */
const char         *cs_style_get_degree_kind       (CsStyle    *self);
/* What degree means for this style, in words, for tooltips. */
const char         *cs_style_get_degree_description (CsStyle   *self);
/* The thumbnail's absolute path, or NULL when the style has none or the
 * file is missing (a style without a thumbnail is still usable). */
const char         *cs_style_get_thumbnail_path    (CsStyle    *self);

/* VToonify-D styles (kind CS_STYLE_KIND_VTOONIFY_D) hold three networks
 * instead of one model: a face parser, a face encoder and the generator, whose
 * inputs style.json names by role ("frame", "parsing", "style", "degree",
 * "face"; outputs "parsing", "wplus", "image"). The degree is a generator
 * input (degree kind CS_STYLE_DEGREE_INPUT), and the style's references are
 * extrinsic style codes, one per artwork of its dataset. Loading checks that
 * every declared tensor exists in its model and every model input is
 * declared. */
#define CS_STYLE_KIND_VTOONIFY_D "vtoonify-d"
#define CS_STYLE_DEGREE_INPUT "input"

typedef enum {
  CS_STYLE_NETWORK_PARSER,
  CS_STYLE_NETWORK_ENCODER,
  CS_STYLE_NETWORK_GENERATOR,
  CS_STYLE_N_NETWORKS
} CsStyleNetwork;

/* TRUE for a VToonify-D style; the accessors below apply to those only. */
gboolean            cs_style_is_vtoonify           (CsStyle    *self);
/* The absolute path of a network's model file. */
const char         *cs_style_get_network_model     (CsStyle    *self,
                                                    CsStyleNetwork network);
/* The tensor a network uses for an input or output role, NULL if none. */
const char         *cs_style_get_network_tensor    (CsStyle    *self,
                                                    CsStyleNetwork network,
                                                    const char *role);
/* Side of the square face crop the encoder takes. */
int                 cs_style_get_face_size         (CsStyle    *self);
/* Output size over generator input size (4 for VToonify). */
int                 cs_style_get_output_scale      (CsStyle    *self);
/* Rows and width of a W+ style code. */
int                 cs_style_get_n_latent          (CsStyle    *self);
int                 cs_style_get_style_dim         (CsStyle    *self);
/* Leading rows of the code taken from the reference, the rest from the face. */
int                 cs_style_get_reference_rows    (CsStyle    *self);
guint               cs_style_get_n_references      (CsStyle    *self);
const char         *cs_style_get_reference_name    (CsStyle    *self,
                                                    guint       index);
/* Reads reference `index`: n_latent x style_dim floats, to free with g_free. */
float              *cs_style_load_reference        (CsStyle    *self,
                                                    guint       index,
                                                    GError    **error);

G_END_DECLS
