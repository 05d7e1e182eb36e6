extension WorkloadGenerator {
    /// `count` workloads picked from `workloads` by seed, spread over the whole set, in set order: positions
    /// `(seed + k·stride) mod n` for a stride coprime with `n`, so every seed gives a different, repeatable
    /// sample without a random-number generator. None for a `count` of 0 or less, all of them for `n` or more.
    public static func sample(_ workloads: [Workload], count: Int, seed: UInt64) -> [Workload] {
        let n = workloads.count
        guard count < n else { return workloads }
        guard count > 0 else { return [] }
        var stride = max(n / count, 1) | 1
        while gcd(stride, n) != 1 { stride += 2 }
        let start = Int(seed % UInt64(n))
        return (0 ..< count).map { (start + $0 * stride) % n }.sorted().map { workloads[$0] }
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
