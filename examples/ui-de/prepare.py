#!/usr/bin/env python3
"""English -> German user-interface messages from the gettext catalogs Debian packages ship.

    python3 prepare.py --out DIR [--debs DIR]

Each package below is fetched with `apt-get download` (into --debs, default DIR/debs; a .deb
already there is reused) and its German catalogs (usr/share/locale/de/LC_MESSAGES/*.mo) are read
straight out of the archive, so the data is the same whatever is installed or excluded by dpkg.
Every (msgid, msgstr) pair becomes a sentence pair: plural entries give their singular and plural
form, message contexts are dropped, a message of several lines gives one pair a line when both
sides have the same number of lines (else one pair with the lines joined), whitespace is squeezed.
The unique English messages are split with a seed: 2,000 test, 1,000 dev, the rest train, so no
English message of dev or test is seen in training. Writes train.tsv, dev.tsv, test.tsv
(English<TAB>German; test and dev keep one translation a message) and packages.txt (the .debs used).
"""
import argparse
import glob
import io
import os
import random
import re
import struct
import subprocess
import sys
import tarfile

PACKAGES = [
    "adduser", "apt", "bash", "coreutils", "diffutils", "dpkg", "findutils", "gettext", "git",
    "gnupg-l10n", "grep", "libapt-pkg6.0", "libc-l10n", "libdpkg-perl", "libglib2.0-data",
    "libgtk2.0-common", "login", "make", "man-db", "net-tools", "procps", "psmisc", "sed",
    "shared-mime-info", "systemd", "tar", "wget", "xz-utils", "krb5-locales", "libgnutls30",
    "postgresql-client-15", "postgresql-15", "libpq5", "binutils-common", "libexif12",
    "gsettings-desktop-schemas", "appstream", "libelf1", "libgstreamer1.0-0", "packagekit",
    "libavahi-common-data", "gettext-base",
]
CATALOGS = re.compile(r"^\.?/?usr/share/locale/de/LC_MESSAGES/[^/]+\.mo$")
MAX_WORDS = 50


def fetch(package, debs):
    found = glob.glob(os.path.join(debs, f"{package}_*.deb"))
    if not found:
        done = subprocess.run(["apt-get", "download", package], cwd=debs, capture_output=True,
                              text=True)
        if done.returncode != 0:
            sys.exit(f"prepare.py: apt-get download {package} failed: {done.stderr.strip()}")
        found = glob.glob(os.path.join(debs, f"{package}_*.deb"))
    if len(found) != 1:
        sys.exit(f"prepare.py: expected one {package}_*.deb in {debs}, found {len(found)}")
    return found[0]


def catalogs(deb):
    archive = subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        for member in tar.getmembers():
            if member.isfile() and CATALOGS.match(member.name):
                yield member.name, tar.extractfile(member).read()


def messages(mo, name):
    """The (msgid, msgstr) pairs of a GNU .mo file (format: the gettext manual, 'MO Files')."""
    magic = struct.unpack("<I", mo[:4])[0]
    order = "<" if magic == 0x950412DE else ">" if magic == 0xDE120495 else None
    if order is None:
        sys.exit(f"prepare.py: {name}: not a .mo file")
    count, originals, translations = struct.unpack(order + "3I", mo[8:20])
    for i in range(count):
        olen, ooff = struct.unpack(order + "2I", mo[originals + 8 * i:originals + 8 * i + 8])
        tlen, toff = struct.unpack(order + "2I", mo[translations + 8 * i:translations + 8 * i + 8])
        yield mo[ooff:ooff + olen].decode("utf-8", "replace"), mo[toff:toff + tlen].decode("utf-8", "replace")


def squeeze(text):
    return " ".join(text.split())


def pairs_of(msgid, msgstr):
    if not msgid or not msgstr:
        return
    msgid = msgid.split("\x04")[-1]          # drop the message context
    english, german = msgid.split("\x00"), msgstr.split("\x00")
    for e, g in zip(english, german[:len(english)]):
        e_lines, g_lines = e.strip("\n").split("\n"), g.strip("\n").split("\n")
        if len(e_lines) == len(g_lines) and len(e_lines) > 1:
            candidates = zip(e_lines, g_lines)
        else:
            candidates = [(e, g)]
        for a, b in candidates:
            a, b = squeeze(a), squeeze(b)
            if a and b and len(a.split()) <= MAX_WORDS and len(b.split()) <= MAX_WORDS:
                yield a, b


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--debs")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    debs = args.debs or os.path.join(args.out, "debs")
    os.makedirs(debs, exist_ok=True)
    translations = {}
    used = []
    for package in PACKAGES:
        deb = fetch(package, debs)
        used.append(os.path.basename(deb))
        for name, mo in catalogs(deb):
            for english, german in messages(mo, f"{deb}:{name}"):
                for a, b in pairs_of(english, german):
                    translations.setdefault(a, [])
                    if b not in translations[a]:
                        translations[a].append(b)
    english = sorted(translations)
    random.Random(args.seed).shuffle(english)
    test, dev, train = english[:2000], english[2000:3000], english[3000:]

    def write(path, sources, every):
        with open(os.path.join(args.out, path), "w", encoding="utf-8") as f:
            for s in sources:
                for t in (translations[s] if every else translations[s][:1]):
                    f.write(f"{s}\t{t}\n")

    write("train.tsv", train, True)
    write("dev.tsv", dev, False)
    write("test.tsv", test, False)
    with open(os.path.join(args.out, "packages.txt"), "w") as f:
        f.write("\n".join(used) + "\n")
    pairs = sum(len(translations[s]) for s in train)
    words = sum(len(s.split()) * len(translations[s]) for s in train)
    print(f"prepare.py: {len(used)} packages, {len(english)} English messages; "
          f"train {pairs} pairs ({words} English words), dev {len(dev)}, test {len(test)}")


if __name__ == "__main__":
    main()
