package dev.finetune.contract;

/** Validation and joining of relative, '/'-separated object keys. */
public final class Keys {
  private Keys() {}

  /**
   * Checks that key is a relative, normalised '/'-separated key: not empty, no leading or trailing
   * '/', no empty, "." or ".." segments, no backslashes or control characters.
   *
   * @return the key
   * @throws IllegalArgumentException naming the key and what is allowed
   */
  public static String check(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("object key must not be empty");
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "invalid object key '"
                + key
                + "': keys are relative '/'-separated paths without empty, '.' or '..' segments");
      }
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '\\' || c < 0x20 || c == 0x7f) {
        throw new IllegalArgumentException(
            "invalid object key '" + key + "': backslashes and control characters are not allowed");
      }
    }
    return key;
  }

  /** Checks a list prefix: "" or a key prefix (it may end with '/'). */
  public static String checkPrefix(String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      return "";
    }
    String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    if (!trimmed.isEmpty()) {
      check(trimmed);
    }
    return prefix;
  }

  /** Strips leading and trailing '/' from a store root prefix ("" stays ""). */
  public static String normalizeRoot(String prefix) {
    if (prefix == null) {
      return "";
    }
    String p = prefix;
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (!p.isEmpty()) {
      check(p);
    }
    return p;
  }
}
