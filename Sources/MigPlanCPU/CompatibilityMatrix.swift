import Dispatch

/// Which CPUs can take a guest from which, for many CPUs at once.
///
/// CPUs with the same vendor and guest-visible feature set form one class, and compatibility is
/// computed once per ordered pair of classes (a subset test of two 512-bit sets). Real clusters
/// have few classes; the worst case (every CPU its own class) is still a plain bit matrix.
public struct CompatibilityMatrix: Sendable {
    public struct CPUClass: Sendable, Hashable {
        public var vendor: String?
        public var features: FeatureSet
        public init(vendor: String?, features: FeatureSet) {
            self.vendor = vendor
            self.features = features
        }
    }

    public let classes: [CPUClass]
    /// Class index of each input CPU, in input order.
    public let classOfCPU: [Int]
    /// Row-major bits: `[source class][destination class]`.
    private let bits: [UInt64]
    private let wordsPerRow: Int

    public init(_ cpus: [CPU], db: CPUDB) {
        var index: [CPUClass: Int] = [:]
        var classes: [CPUClass] = []
        var classOf: [Int] = []
        classOf.reserveCapacity(cpus.count)
        for cpu in cpus {
            let c = CPUClass(vendor: cpu.vendor, features: db.guestVisible(cpu.features))
            if let i = index[c] {
                classOf.append(i)
            } else {
                index[c] = classes.count
                classOf.append(classes.count)
                classes.append(c)
            }
        }
        let k = classes.count
        let wordsPerRow = (k + 63) / 64
        var bits = [UInt64](repeating: 0, count: k * wordsPerRow)
        // Vendors as small integers; -1 = vendor-neutral (compatible with any).
        var vendorIDs: [String: Int] = [:]
        let vendor = classes.map { c -> Int in
            guard let v = c.vendor else { return -1 }
            if let id = vendorIDs[v] { return id }
            vendorIDs[v] = vendorIDs.count
            return vendorIDs.count - 1
        }
        let features = classes.map(\.features)
        bits.withUnsafeMutableBufferPointer { out in
            // Each block of rows is written by one worker only.
            nonisolated(unsafe) let rows = out.baseAddress!
            let chunk = 64
            DispatchQueue.concurrentPerform(iterations: (k + chunk - 1) / chunk) { block in
                features.withUnsafeBufferPointer { f in
                    for s in block * chunk..<min(k, (block + 1) * chunk) {
                        let row = rows + s * wordsPerRow
                        let sf = f[s], sv = vendor[s]
                        for d in 0..<k {
                            let dv = vendor[d]
                            if (sv == dv || sv < 0 || dv < 0) && sf.isSubset(of: f[d]) {
                                row[d >> 6] |= 1 << UInt64(d & 63)
                            }
                        }
                    }
                }
            }
        }
        self.classes = classes
        self.classOfCPU = classOf
        self.bits = bits
        self.wordsPerRow = wordsPerRow
    }

    /// A guest of CPU `source` (input index) can live-migrate to CPU `destination`.
    public func canMigrate(from source: Int, to destination: Int) -> Bool {
        classCompatible(classOfCPU[source], classOfCPU[destination])
    }

    public func classCompatible(_ s: Int, _ d: Int) -> Bool {
        bits[s * wordsPerRow + d >> 6] & (1 << UInt64(d & 63)) != 0
    }

    /// Ordered pairs of input CPUs (including a CPU with itself) that are compatible.
    public var compatiblePairs: Int {
        var size = [Int](repeating: 0, count: classes.count)
        for c in classOfCPU { size[c] += 1 }
        var total = 0
        for s in 0..<classes.count {
            for w in 0..<wordsPerRow {
                var word = bits[s * wordsPerRow + w]
                while word != 0 {
                    let d = w * 64 + word.trailingZeroBitCount
                    total += size[s] * size[d]
                    word &= word - 1
                }
            }
        }
        return total
    }
}
