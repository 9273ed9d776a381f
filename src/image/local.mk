# congo-image: registry client, OCI image store, layer unpacking, bundles.
# libcurl, libarchive and libcrypto are linked here only, never into congo.
if BUILD_IMAGE
endif
