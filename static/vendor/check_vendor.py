#!/usr/bin/env python3
"""Sanity-check static/vendor/: run with `python3 static/vendor/check_vendor.py`.

1. every url(...) in every vendored .css resolves to an existing file
   (data: URIs skipped; ?query / #fragment stripped before resolving);
2. no url(...) / @import points off-site (http:, https:, protocol-relative //);
3. no sourceMappingURL comment points at a .map file that is not vendored;
4. every http(s):// string left in a vendored css/js file is on the allowlist
   below (licence banners, SVG xmlns ids, text of error messages) -
   i.e. nothing is fetched from the network at run time;
5. every vendored file, and the PDF font the project ships
   (pledges/fonts/wqy-microhei.ttc), has the sha256 that SHA256SUMS records,
   and no vendored file is missing from SHA256SUMS - so nothing changes unseen.
   After a deliberate refresh: `sha256sum` them again (refresh.sh does).
Exits non-zero on any problem.
"""
import hashlib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent
REPO = ROOT.parent.parent
SUMS = ROOT / "SHA256SUMS"
# Files of this folder that are the tooling, not vendored assets.
NOT_VENDORED = {"README.md", "refresh.sh", "check_vendor.py", "SHA256SUMS"}

# Strings that contain a URL but never cause a request.
ALLOWED_URLS = {
    "http://www.w3.org/2000/svg",  # xmlns inside inline data:image/svg+xml
    "https://getbootstrap.com/",  # licence banner
    "https://github.com/twbs/bootstrap/blob/main/LICENSE",  # licence banner
    "https://github.com/twbs/bootstrap/graphs/contributors",  # licence banner
    "https://github.com/floating-ui/popper-docs/blob/main/docs/v2/index.md",  # TypeError message text
    "https://icons.getbootstrap.com/",  # licence banner
    "https://github.com/twbs/icons/blob/main/LICENSE",  # licence banner
    "https://www.chartjs.org",  # licence banner
    "https://github.com/kurkle/color#readme",  # licence banner of @kurkle/color, bundled in Chart.js
}

URL_RE = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.S)
IMPORT_RE = re.compile(r"@import\s+(?:url\()?\s*['\"]([^'\"]+)['\"]")
MAP_RE = re.compile(r"sourceMappingURL=(\S+?)\s*(?:\*/)?\s*$", re.M)
HTTP_RE = re.compile(r"https?://[^\s\"'()<>\\]+")


def main() -> int:
    problems = []
    n_urls = 0
    assets = sorted(p for p in ROOT.rglob("*") if p.suffix in {".css", ".js"})
    for path in assets:
        rel = path.relative_to(ROOT)
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".css":
            refs = [u for _, u in URL_RE.findall(text)] + IMPORT_RE.findall(text)
            for ref in refs:
                ref = ref.strip()
                if ref.startswith("data:"):
                    continue
                n_urls += 1
                if re.match(r"^([a-z][a-z0-9+.-]*:|//)", ref, re.I):
                    problems.append(f"{rel}: off-site url({ref})")
                    continue
                target = (path.parent / re.split(r"[?#]", ref, 1)[0]).resolve()
                if not target.is_file():
                    problems.append(f"{rel}: url({ref}) -> missing {target}")
                elif ROOT not in target.parents:
                    problems.append(f"{rel}: url({ref}) escapes static/vendor")
        for ref in MAP_RE.findall(text):
            if not (path.parent / ref).is_file():
                problems.append(f"{rel}: sourceMappingURL={ref} but the map is not vendored")
        for url in set(HTTP_RE.findall(text)) - ALLOWED_URLS:
            problems.append(f"{rel}: unreviewed URL {url}")
    problems += check_sums()
    for p in problems:
        print("FAIL", p)
    print(f"checked {len(assets)} css/js files, {n_urls} url() references: "
          f"{'OK' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


def check_sums() -> list[str]:
    problems = []
    recorded = {}
    for line in SUMS.read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        recorded[name] = digest
    for name, digest in recorded.items():
        path = REPO / name
        if not path.is_file():
            problems.append(f"{name}: listed in SHA256SUMS but missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: sha256 differs from SHA256SUMS")
    for path in sorted(p for p in ROOT.rglob("*") if p.is_file()):
        name = path.relative_to(REPO).as_posix()
        if path.name not in NOT_VENDORED and name not in recorded:
            problems.append(f"{name}: vendored but not in SHA256SUMS")
    print(f"checked the sha256 of {len(recorded)} files")
    return problems


if __name__ == "__main__":
    sys.exit(main())
