import BentoTesting
import Foundation

/// The shared source tree the copy, tar and grep workloads read, generated once per machine under /tmp and
/// reused (a marker file says it is complete; bump `version` when the generator changes).
enum Workloads {
    /// Generator version: part of the path, so a changed generator never reuses an old tree.
    static let version = 1

    /// Where the generated tree lives (on the host's /tmp file system).
    static let sourceTreePath = "/tmp/bento-it-source-v\(version)/tree"

    /// Generates the tree if it is not there yet; every test that reads `$SRC` calls this first.
    static func ensureSourceTree() throws {
        try generated.get()
    }

    /// Swift runs a static initializer once, even under concurrent first use.
    private static let generated: Result<Void, any Error> = Result {
        try Shell.check(generator, environment: ["TREE": sourceTreePath], timeLimit: 600)
    }

    /// The generator: deterministic content (no randomness without a seed), in bash so it is easy to read.
    /// 40 directories × 50 text files (2,000 files, some containing "needle"), nested and empty directories,
    /// names with spaces and non-ASCII bytes, relative/absolute/dangling/long symlinks, hard links across
    /// directories, unusual modes (setuid, setgid, sticky, 000), other owners, user.* xattrs (text and binary),
    /// a 1 GiB sparse file with a few written bytes, and a 200 MiB file of AES-CTR keystream (seeded).
    private static let generator = #"""
        root=$(dirname "$TREE")
        [ -e "$root/complete" ] && exit 0
        rm -rf "$root"; mkdir -p "$TREE"; cd "$TREE"
        umask 022
        for ((d = 0; d < 40; d++)); do
          dir=$(printf 'd%02d' "$d"); mkdir -p "$dir/nested/deeper"
          for ((f = 0; f < 50; f++)); do
            n=$((d * 50 + f))
            {
              printf 'file %d in %s\n' "$n" "$dir"
              for ((k = 0; k < n % 23; k++)); do printf 'line %d of file %d lorem ipsum %d\n' "$k" "$n" $((n * k)); done
              if ((n % 7 == 0)); then printf 'a needle %d in the haystack\n' "$n"; fi
            } > "$dir/file$f.txt"
          done
          printf 'deep %d\n' "$d" > "$dir/nested/deeper/leaf"
        done
        mkdir empty-dir 'dir with spaces' "$(printf 'caf\xc3\xa9-\xe5\x90\x8d')"
        printf 'spaces\n' > 'dir with spaces/file with spaces.txt'
        printf 'unicode\n' > "$(printf 'caf\xc3\xa9-\xe5\x90\x8d')/$(printf '\xc3\xbc')"
        : > empty-file
        ln -s file0.txt d00/link-to-file
        ln -s ../d01 d00/link-to-dir
        ln -s /nonexistent/target dangling-link
        ln -s "$(printf 'x%.0s' {1..200})" long-target-link
        ln -s d02/nested/deeper/leaf link-chain-1; ln -s link-chain-1 link-chain-2
        ln d00/file1.txt d05/hard-a; ln d00/file1.txt hard-b
        ln d03/file3.txt d04/hard-c
        printf '#!/bin/sh\necho hi\n' > run.sh; chmod 755 run.sh
        chmod 600 d01/file*.txt; chmod 4755 d06/file6.txt; chmod 2750 d07/nested; chmod 1777 d08/nested
        chmod 000 d09/file9.txt; chmod 444 d10/file10.txt
        chown 1000:1000 d11/file11.txt d11/nested; chown 65534:65534 d12/file12.txt; chown -h 1234:4321 d00/link-to-file
        setfattr -n user.comment -v 'hello world' d13/file13.txt
        setfattr -n user.binary -v 0x00ff10207f d13/file13.txt
        setfattr -n user.on-dir -v dir d14
        setfattr -n user.empty d15/file15.txt
        truncate -s 1G sparse.img
        printf 'begin' | dd of=sparse.img conv=notrunc status=none
        printf 'middle' | dd of=sparse.img bs=1 seek=$((512 * 1024 * 1024 + 7)) conv=notrunc status=none
        printf 'end' | dd of=sparse.img bs=1 seek=$((1024 * 1024 * 1024 - 3)) conv=notrunc status=none
        { openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 \
            -in /dev/zero 2>/dev/null || true; } | head -c 200M > big.bin
        [ "$(stat -c %s big.bin)" = $((200 * 1024 * 1024)) ]
        touch "$root/complete"
        """#
}

extension Workloads {
    /// Makes git reproducible and independent of the machine's configuration: fixed names and dates, no global
    /// or system config, so commit hashes compare between file systems.
    static let gitEnvironment = [
        "GIT_AUTHOR_NAME": "Bento Test", "GIT_AUTHOR_EMAIL": "test@bento.invalid",
        "GIT_COMMITTER_NAME": "Bento Test", "GIT_COMMITTER_EMAIL": "test@bento.invalid",
        "GIT_AUTHOR_DATE": "2024-01-02T03:04:05Z", "GIT_COMMITTER_DATE": "2024-01-02T03:04:05Z",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "HOME": "/nonexistent",
    ]
}
