/* Image documents: descriptors, manifests, indexes (OCI and Docker v2 forms),
 * image configs, and platform selection.  Everything here comes from
 * hostile registries or archives: every digest is validated before it can
 * become a file name, and type errors name the JSON path. */
#ifndef CONGO_IMAGE_MANIFEST_H
#define CONGO_IMAGE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"
#include "image/json.h"
#include "libcongo/error.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYOUT_HEADER "application/vnd.oci.image.layout.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"

/* What a registry is asked for, best first. */
#define MANIFEST_ACCEPT                                                                                     \
    MT_OCI_INDEX ", " MT_OCI_MANIFEST ", " MT_DOCKER_LIST ", " MT_DOCKER_MANIFEST

/* Manifests and indexes larger than this are refused (containerd's cap). */
#define MANIFEST_MAX_SIZE (4u << 20)
/* Image configs carry the history: allow more. */
#define CONFIG_MAX_SIZE (32u << 20)
/* Layers of one image (and diff_ids of its config): overlayfs stacks at most
 * 500 lower layers (OVL_MAX_STACK); docker builds at most 127. */
#define MANIFEST_MAX_LAYERS 500

/* The annotation naming an image in an OCI layout's index.json. */
#define ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"

struct platform {
    char *os, *arch, *variant, *os_version;
};

struct descriptor {
    char *media_type;
    char digest[DIGEST_LEN + 1];
    int64_t size;
    bool has_platform;
    struct platform platform;
    char *ref_name;      /* org.opencontainers.image.ref.name annotation */
    bool attestation;    /* a BuildKit attestation entry (not an image) */
};

enum manifest_kind { MANIFEST_KIND_MANIFEST = 1, MANIFEST_KIND_INDEX = 2 };

struct manifest_doc {
    enum manifest_kind kind;
    char *media_type;
    /* kind == MANIFEST */
    struct descriptor config;
    struct descriptor *layers;
    size_t n_layers;
    /* kind == INDEX */
    struct descriptor *manifests;
    size_t n_manifests;
};

/* Parse a manifest or an index.  `content_type` (may be NULL) is the HTTP
 * Content-Type, used when the document has no mediaType.  Schema 1 and
 * unknown media types are refused with a clear message. */
int manifest_parse(struct manifest_doc *out, const char *buf, size_t len, const char *content_type, const char *what,
                   congo_error *err);
void manifest_doc_free(struct manifest_doc *m);

/* True for the layer media types we can unpack (tar, gzip, zstd; OCI and Docker). */
bool layer_media_type_supported(const char *mt);
bool media_type_is_index(const char *mt);
bool media_type_is_manifest(const char *mt);

void descriptor_free(struct descriptor *d);
void descriptor_copy(struct descriptor *dst, const struct descriptor *src);
int descriptor_parse(struct descriptor *out, yajl_val v, const char *path, congo_error *err);

/* "os/arch[/variant]" */
int platform_parse(struct platform *out, const char *s, congo_error *err);
/* This host: linux/amd64, linux/arm64/v8, linux/arm/v7... */
void platform_host(struct platform *out);
void platform_free(struct platform *p);
char *platform_string(const struct platform *p);
bool platform_match(const struct platform *want, const struct platform *have);
/* The entry of an index for a platform (attestations skipped); the error
 * lists what the index offers. */
int index_select(const struct manifest_doc *idx, const struct platform *want, const struct descriptor **out,
                 congo_error *err);

struct image_config {
    yajl_val root;
    char *os, *arch, *variant, *os_version, *created, *author;
    char **diff_ids;
    size_t n_diff_ids;
    /* the "config" section */
    char *user, *working_dir, *stop_signal;
    char **env, **entrypoint, **cmd, **exposed_ports, **volumes;
    bool has_entrypoint, has_cmd;
    char **label_keys, **label_values;
    size_t n_labels;
};

int image_config_parse(struct image_config *out, const char *buf, const char *what, congo_error *err);
void image_config_free(struct image_config *c);

#endif
