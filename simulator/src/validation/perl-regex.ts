// PVE schema patterns are Perl regular expressions, often stringified `qr//`
// objects such as `(?^:[A-Za-z][A-Za-z0-9\.\-_]+)`. PVE matches them against
// the whole value (`m/^$pattern$/`). This module turns them into JavaScript
// RegExps with the same meaning for every construct the schema uses.

const cache = new Map<string, RegExp>();

/** Rewrites the Perl-only constructs found in the schema into JS syntax. */
export function perlToJs(pattern: string): string {
  return (
    pattern
      // `(?^:...)` is a stringified qr// with default flags: a plain group.
      .replace(/\(\?\^:/g, "(?:")
      // `(?^i:...)` keeps its flag; JS (ES2025) knows inline modifiers.
      .replace(/\(\?\^([a-z]+):/g, "(?$1:")
      // Atomic groups do not exist in JS; for validation a plain group is close enough.
      .replace(/\(\?>/g, "(?:")
      // Perl >= 5.34 (PVE 9 ships 5.40) reads `{,n}` as `{0,n}`; JS would see literals.
      .replace(/\{,(\d+)\}/g, "{0,$1}")
  );
}

/**
 * A RegExp that matches the complete value, like Perl's `m/^$pattern$/`.
 * (Perl's `$` also accepts one trailing newline; values here never carry one
 * because form decoding keeps them verbatim, so that corner is not emulated.)
 */
export function wholeValueRegex(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    // No `u` flag: Perl allows identity escapes such as `\@` and `\_` that the
    // unicode mode of JS rejects.
    re = new RegExp(`^(?:${perlToJs(pattern)})$`);
    cache.set(pattern, re);
  }
  return re;
}

/** For patterns that already carry their own anchors (indexed `namePattern`). */
export function anchoredRegex(pattern: string): RegExp {
  let re = cache.get(`anchored:${pattern}`);
  if (!re) {
    re = new RegExp(perlToJs(pattern));
    cache.set(`anchored:${pattern}`, re);
  }
  return re;
}
