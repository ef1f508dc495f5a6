package dev.hoist.images;

import dev.hoist.client.RegistryException;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.ImageReference;
import java.util.List;
import java.util.Objects;

/** {@code hoist tags}: a remote repository's tags, from its registry (never from a mirror). */
public final class RemoteTags {
  private final RegistryAccess access;

  public RemoteTags(RegistryAccess access) {
    this.access = Objects.requireNonNull(access, "access");
  }

  /**
   * Every tag of {@code repository}'s repository, following pagination, in the registry's order.
   * Its tag or digest, if any, is ignored.
   *
   * @throws ImageException NOT_FOUND, AUTH or NETWORK as the registry answers
   */
  public List<String> list(ImageReference repository) throws ImageException {
    try {
      return access.origin(repository.registry()).tags(repository.repository());
    } catch (RegistryException e) {
      throw failed(repository, e);
    }
  }

  private static ImageException failed(ImageReference repository, RegistryException e) {
    String problem = Puller.problem(e);
    String name = repository.canonicalName();
    ErrorCode code = e.code();
    if (code == ErrorCode.NAME_UNKNOWN) {
      return new ImageException(
          ImageException.Kind.NOT_FOUND, "repository " + name + " not found", e);
    }
    if (code == ErrorCode.UNAUTHORIZED || code == ErrorCode.DENIED) {
      return new ImageException(
          ImageException.Kind.AUTH,
          "access to "
              + name
              + " denied ("
              + problem
              + "); log in with 'hoist login "
              + repository.registry()
              + "'",
          e);
    }
    ImageException.Kind kind =
        e.httpStatus() == 0 || e.httpStatus() >= 500 || code == ErrorCode.TOOMANYREQUESTS
            ? ImageException.Kind.NETWORK
            : ImageException.Kind.OTHER;
    return new ImageException(kind, "cannot list the tags of " + name + ": " + problem, e);
  }
}
