package dev.hoist.registry;

/** Header names of the distribution API. */
final class Headers {
  static final String DOCKER_CONTENT_DIGEST = "Docker-Content-Digest";
  static final String DOCKER_UPLOAD_UUID = "Docker-Upload-UUID";
  static final String OCI_SUBJECT = "OCI-Subject";
  static final String OCI_FILTERS_APPLIED = "OCI-Filters-Applied";
  static final String OCI_CHUNK_MIN_LENGTH = "OCI-Chunk-Min-Length";
  static final String RANGE = "Range";
  static final String CONTENT_RANGE = "Content-Range";
  static final String LINK = "Link";

  private Headers() {}
}
