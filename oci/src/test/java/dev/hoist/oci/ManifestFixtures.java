package dev.hoist.oci;

import java.nio.charset.StandardCharsets;

/** Manifests as registries serve them, for the parser tests. */
final class ManifestFixtures {
  private ManifestFixtures() {}

  static byte[] bytes(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  static final String OCI_MANIFEST =
      """
      {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
          "mediaType": "application/vnd.oci.image.config.v1+json",
          "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7",
          "size": 7023
        },
        "layers": [
          {
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": "sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0",
            "size": 32654
          },
          {
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": "sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b",
            "size": 16724
          },
          {
            "mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
            "digest": "sha256:ec4b8955958665577945c89419d1af06b5f7636b4ac3da7f12184802ad867736",
            "size": 73109
          }
        ],
        "annotations": {
          "org.opencontainers.image.created": "2024-05-01T10:00:00Z",
          "org.opencontainers.image.source": "https://github.com/example/app"
        }
      }
      """;

  static final String AMD64_MANIFEST_DIGEST =
      "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f";
  static final String ARM64_MANIFEST_DIGEST =
      "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270";

  /** Two platforms and a BuildKit provenance attestation, as `docker buildx` pushes them. */
  static final String OCI_INDEX =
      """
      {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
          {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f",
            "size": 1234,
            "platform": {
              "architecture": "amd64",
              "os": "linux"
            }
          },
          {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
            "size": 1234,
            "platform": {
              "architecture": "arm64",
              "os": "linux",
              "variant": "v8"
            }
          },
          {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:9a2b3f1b6c03d0d1b7e8c1d9fc4e7bb5f3d7a1d2c5e6f708192a3b4c5d6e7f80",
            "size": 566,
            "annotations": {
              "vnd.docker.reference.digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f",
              "vnd.docker.reference.type": "attestation-manifest"
            },
            "platform": {
              "architecture": "unknown",
              "os": "unknown"
            }
          }
        ]
      }
      """;

  static final String DOCKER_MANIFEST =
      """
      {
         "schemaVersion": 2,
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 1472,
            "digest": "sha256:ca2b0f26964cf2e80ba3e084d5983dab293fdb87485dc6445f3f7bbfc89d7459"
         },
         "layers": [
            {
               "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
               "size": 2829264,
               "digest": "sha256:0bb2eb5d7eb8d51b11aff1a0b1ee7d9c0fe4bb0c0a0ab5c3e2aa7e0bf1e1d6a4"
            }
         ]
      }
      """;

  static final String DOCKER_MANIFEST_LIST =
      """
      {
         "schemaVersion": 2,
         "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
         "manifests": [
            {
               "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
               "size": 7143,
               "digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f",
               "platform": {
                  "architecture": "ppc64le",
                  "os": "linux"
               }
            },
            {
               "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
               "size": 7682,
               "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
               "platform": {
                  "architecture": "amd64",
                  "os": "linux",
                  "features": [
                     "sse4"
                  ]
               }
            }
         ]
      }
      """;

  /** An SBOM attached to an image: artifactType, the empty config (embedded) and a subject. */
  static final String OCI_ARTIFACT =
      """
      {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/spdx+json",
        "config": {
          "mediaType": "application/vnd.oci.empty.v1+json",
          "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
          "size": 2,
          "data": "e30="
        },
        "layers": [
          {
            "mediaType": "application/spdx+json",
            "digest": "sha256:c3d4a2b95e8f7a1b6c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
            "size": 18231,
            "annotations": {
              "org.opencontainers.image.title": "sbom.spdx.json"
            }
          }
        ],
        "subject": {
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f",
          "size": 1234
        },
        "annotations": {
          "org.opencontainers.image.created": "2024-05-02T08:30:00Z"
        }
      }
      """;

  /** An artifact without artifactType: the referrers API reports its config's media type. */
  static final String OCI_ARTIFACT_WITHOUT_ARTIFACT_TYPE =
      """
      {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
          "mediaType": "application/vnd.oci.empty.v1+json",
          "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
          "size": 2
        },
        "layers": []
      }
      """;

  static final String IMAGE_CONFIG =
      """
      {
        "architecture": "arm64",
        "variant": "v8",
        "os": "linux",
        "created": "2024-05-01T10:00:00.123456789Z",
        "author": "Example Maintainers",
        "config": {
          "User": "app",
          "ExposedPorts": {
            "8080/tcp": {},
            "8443/tcp": {}
          },
          "Env": [
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "JAVA_HOME=/opt/java"
          ],
          "Entrypoint": ["/opt/app/bin/start"],
          "Cmd": ["--port", "8080"],
          "WorkingDir": "/opt/app",
          "Labels": {
            "org.opencontainers.image.version": "1.4.2"
          },
          "ArgsEscaped": true
        },
        "rootfs": {
          "type": "layers",
          "diff_ids": [
            "sha256:2c8d31157b81b8b4b4f1a2a39a7f5ab1bd7d1e0e1b2e4a3c3b5f6a7d8e9f0a1b",
            "sha256:7f5c8e3b2a1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b"
          ]
        },
        "history": [
          {
            "created": "2024-04-30T09:00:00Z",
            "created_by": "/bin/sh -c #(nop) ADD file:abc in / "
          },
          {
            "created": "2024-05-01T10:00:00+02:00",
            "created_by": "ENV JAVA_HOME=/opt/java",
            "comment": "buildkit.dockerfile.v0",
            "empty_layer": true
          },
          {
            "created": "2024-05-01T10:00:00Z",
            "created_by": "COPY app /opt/app # buildkit",
            "comment": "buildkit.dockerfile.v0"
          }
        ]
      }
      """;
}
