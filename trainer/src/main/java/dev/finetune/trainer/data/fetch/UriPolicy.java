package dev.finetune.trainer.data.fetch;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which dataset and model URIs a spec may make the trainer fetch: the schemes, and (optionally) the
 * network hosts. Set by the operator ({@code FINETUNE_ALLOWED_SCHEMES}, {@code
 * FINETUNE_ALLOWED_HOSTS}) or on the command line.
 *
 * <p>Host rules, when {@code hosts} is not empty. They apply to every host the trainer connects to
 * for a spec URI: the host of an {@code http(s)://} URL, the {@code HF_ENDPOINT} host for {@code
 * hf://}, and the host of every HTTP redirect on the way.
 *
 * <ul>
 *   <li>{@code example.com} matches that host exactly (case-insensitive); {@code *.example.com}
 *       matches any subdomain of it, not example.com itself.
 *   <li>An IP literal ({@code 10.0.0.5}, {@code [fd00::1]}) is reachable only if listed exactly: a
 *       wildcard never matches an address.
 *   <li>A host matched by a wildcard must resolve to public addresses only: loopback, link-local
 *       (169.254.0.0/16 with the cloud metadata address, fe80::/10), private (10/8, 172.16/12,
 *       192.168/16, fc00::/7), unspecified and multicast addresses are refused. List a
 *       cluster-internal name exactly to allow it. (A checked name is resolved again when
 *       connecting; this is defence in depth, not protection against a hostile DNS server.)
 * </ul>
 *
 * With no hosts configured, any {@code https://} host and loopback {@code http://} are allowed, as
 * before. {@code s3://} URIs are governed by the scheme list only: the spec picks a bucket, but the
 * endpoint comes from the pod's environment ({@code AWS_ENDPOINT_URL}), not the spec.
 */
public record UriPolicy(Set<String> schemes, List<String> hosts) {
  /** Every scheme the {@link Fetcher} supports, any host. */
  public static final UriPolicy OPEN = new UriPolicy(Fetcher.ALL_SCHEMES, List.of());

  public UriPolicy {
    schemes = Set.copyOf(schemes);
    hosts = List.copyOf(hosts);
  }

  /**
   * Parses comma-separated lists (blank hosts = no host restriction, blank schemes = all).
   *
   * @throws TrainerException USAGE naming the bad entry
   */
  public static UriPolicy parse(String schemesCsv, String hostsCsv) {
    Set<String> schemes = new LinkedHashSet<>();
    for (String s : split(schemesCsv)) {
      String scheme = s.toLowerCase(Locale.ROOT).replaceAll("://$", "");
      if (!Fetcher.ALL_SCHEMES.contains(scheme)) {
        throw new TrainerException(
            ExitCode.USAGE,
            "allowed schemes: '" + s + "' is not one of " + new TreeSet<>(Fetcher.ALL_SCHEMES));
      }
      schemes.add(scheme);
    }
    List<String> hosts = new ArrayList<>();
    for (String h : split(hostsCsv)) {
      String host = normalize(h);
      String name = host.startsWith("*.") ? host.substring(2) : host;
      if (name.isEmpty() || name.contains("*") || name.contains("/") || name.contains("@")) {
        throw new TrainerException(
            ExitCode.USAGE,
            "allowed hosts: '" + h + "' is not a host" + " name, *.domain or IP address");
      }
      hosts.add(host);
    }
    return new UriPolicy(schemes.isEmpty() ? Fetcher.ALL_SCHEMES : schemes, hosts);
  }

  private static List<String> split(String csv) {
    List<String> out = new ArrayList<>();
    if (csv != null) {
      for (String part : csv.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    }
    return out;
  }

  private static String normalize(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    while (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h;
  }

  /** Whether a host list is configured. */
  public boolean restrictsHosts() {
    return !hosts.isEmpty();
  }

  String schemesText() {
    return new TreeSet<>(schemes)
        .stream().filter(Fetcher.ALL_SCHEMES::contains).map(s -> s + "://").toList().toString();
  }

  /** UNSUPPORTED unless scheme is allowed. */
  void checkScheme(String field, String uri, String scheme) {
    if (!Fetcher.ALL_SCHEMES.contains(scheme) || !schemes.contains(scheme)) {
      throw new TrainerException(
          ExitCode.UNSUPPORTED,
          field
              + ": unsupported URI '"
              + uri
              + "': the scheme must be one of "
              + schemesText()
              + (Fetcher.ALL_SCHEMES.contains(scheme)
                  ? " (allowed schemes: --allowed-schemes," + " FINETUNE_ALLOWED_SCHEMES)"
                  : ""));
    }
  }

  /**
   * Checks a URL the trainer is about to connect to. {@code via} names how it was reached ("" for
   * the spec's own URL, else e.g. "redirected from ..."). The scheme list is checked on the spec's
   * URI by {@link #checkScheme}; here only http(s) is possible, and plain http only for loopback
   * (so a redirect cannot downgrade to http on the network).
   *
   * @throws TrainerException UNSUPPORTED naming the field and the allowed hosts
   */
  void checkUrl(String field, URI url, String via) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    String where = via.isEmpty() ? url.toString() : url + " (" + via + ")";
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new TrainerException(
          ExitCode.UNSUPPORTED, field + ": " + where + " is not an" + " http(s) URL");
    }
    String host = url.getHost() == null ? "" : normalize(url.getHost());
    if (host.isEmpty()) {
      throw new TrainerException(ExitCode.INVALID_SPEC, field + ": " + where + " has no host");
    }
    if (scheme.equals("http") && !isLoopback(host)) {
      throw new TrainerException(
          ExitCode.UNSUPPORTED,
          field
              + ": plain http:// is allowed only"
              + " for localhost (got host '"
              + host
              + "' in "
              + where
              + "); use https://");
    }
    if (hosts.isEmpty()) {
      return;
    }
    boolean exact = hosts.contains(host);
    boolean literal = isIpLiteral(host);
    boolean wildcard =
        !literal
            && hosts.stream().anyMatch(e -> e.startsWith("*.") && host.endsWith(e.substring(1)));
    if (!exact && !wildcard) {
      throw new TrainerException(
          ExitCode.UNSUPPORTED,
          field
              + ": host '"
              + host
              + "' of "
              + where
              + " is not allowed; allowed hosts: "
              + hosts
              + " (--allowed-hosts,"
              + " FINETUNE_ALLOWED_HOSTS)"
              + (literal ? "; IP addresses must be listed exactly" : ""));
    }
    if (!exact) {
      InetAddress internal = internalAddress(host);
      if (internal != null) {
        throw new TrainerException(
            ExitCode.UNSUPPORTED,
            field
                + ": host '"
                + host
                + "' of "
                + where
                + " resolves to the internal address "
                + internal.getHostAddress()
                + ", which a wildcard entry does not allow; allowed hosts: "
                + hosts
                + " (list the host exactly to allow it)");
      }
    }
  }

  /** The first loopback, link-local, private, unspecified or multicast address of host. */
  private static InetAddress internalAddress(String host) {
    InetAddress[] all;
    try {
      all = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      return null; // the connection fails with its own clear error
    }
    for (InetAddress a : all) {
      if (isInternal(a)) {
        return a;
      }
    }
    return null;
  }

  static boolean isInternal(InetAddress a) {
    if (a.isLoopbackAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isAnyLocalAddress()
        || a.isMulticastAddress()) {
      return true;
    }
    // fc00::/7 unique local, which Java does not call site-local
    return a instanceof Inet6Address && (a.getAddress()[0] & 0xfe) == 0xfc;
  }

  static boolean isIpLiteral(String host) {
    return host.matches("[0-9.]+") || host.contains(":");
  }

  static boolean isLoopback(String host) {
    String h = normalize(host);
    return h.equals("localhost")
        || h.equals("::1")
        || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }
}
