# Finds a Java 21 or newer. Sourced (not run) by ./hoist and ./mvnw, so that the launcher and the
# build look in the same places in the same order:
#   JAVA_HOME, then the java on PATH, then the usual install folders (/usr/lib/jvm, /usr/java,
#   /opt/java, /opt/jdk*, SDKMAN!, IntelliJ's ~/.jdks, macOS's /Library/Java).
#
#   find_java        prints the first usable java (21+), or fails
#   find_java jdk    the same, but only a full JDK: one with javac beside java (Maven compiles)
#   java_home_of J   prints the Java home of the java binary J (symlinks resolved)
#   java_identity J  prints one line naming that very Java install (home, runtime version, its
#                    module image's size and time): an AOT cache is used only on the Java that made it
#
# Bash only; defines functions and nothing else (no `set` options, no output when sourced).

# Prints the feature version (17, 21, 25...) of the java at $1, or nothing. A JDK's `release` file
# says it without starting a JVM (about 0.1 s each); other javas are asked.
java_feature() {
  local v="" home
  home="$(java_home_of "$1")"
  if [ -f "$home/release" ]; then
    v="$(sed -n 's/^JAVA_VERSION="\([0-9.]*\).*/\1/p' "$home/release" | head -1)"
  fi
  if [ -z "$v" ]; then
    v="$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -1)"
  fi
  case "$v" in 1.*) v="${v#1.}" ;; esac
  printf '%s' "${v%%.*}"
}

java_home_of() {
  dirname "$(dirname "$(readlink -f "$1")")"
}

java_identity() {
  local home
  home="$(java_home_of "$1")"
  printf '%s %s %s\n' "$home" \
    "$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$home/release" 2>/dev/null | head -1)" \
    "$(stat -c '%s.%Y' "$home/lib/modules" 2>/dev/null)"
}

# usable JAVA [jdk]: JAVA is executable and 21 or newer (and, with `jdk`, has javac beside it).
usable() {
  local f
  [ -x "$1" ] || return 1
  if [ "${2:-}" = jdk ] && [ ! -x "$(java_home_of "$1")/bin/javac" ]; then
    return 1
  fi
  f="$(java_feature "$1")"
  [ -n "$f" ] && [ "$f" -ge 21 ] 2>/dev/null
}

find_java() {
  local c kind="${1:-}"
  if [ -n "${JAVA_HOME:-}" ] && usable "$JAVA_HOME/bin/java" "$kind"; then
    printf '%s' "$JAVA_HOME/bin/java"; return 0
  fi
  if c="$(command -v java 2>/dev/null)" && usable "$c" "$kind"; then
    printf '%s' "$c"; return 0
  fi
  for c in /usr/lib/jvm/*/bin/java /usr/java/*/bin/java /opt/java/*/bin/java /opt/jdk*/bin/java \
           "$HOME"/.sdkman/candidates/java/*/bin/java "$HOME"/.jdks/*/bin/java \
           /Library/Java/JavaVirtualMachines/*/Contents/Home/bin/java; do
    if usable "$c" "$kind"; then printf '%s' "$c"; return 0; fi
  done
  return 1
}
