/// A set of CPU features, as bits indexed by the features' positions in a ``FeatureCatalogue``.
///
/// Fixed width (512 bits, eight 64-bit words), so union, intersection and the subset test are a
/// few word operations and a set is a plain value. A catalogue larger than ``capacity`` is
/// rejected when the cpudb is loaded.
public struct FeatureSet: Sendable, Hashable {
    public static let capacity = 512
    @usableFromInline var words: SIMD8<UInt64>

    @inlinable public init() { words = .zero }
    @inlinable init(words: SIMD8<UInt64>) { self.words = words }

    public init<S: Sequence>(indices: S) where S.Element == Int {
        self.init()
        for i in indices { insert(i) }
    }

    @inlinable public mutating func insert(_ index: Int) {
        words[index >> 6] |= 1 << UInt64(index & 63)
    }

    @inlinable public mutating func remove(_ index: Int) {
        words[index >> 6] &= ~(1 << UInt64(index & 63))
    }

    @inlinable public func contains(_ index: Int) -> Bool {
        words[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    @inlinable public var isEmpty: Bool { words == .zero }

    @inlinable public var count: Int {
        var n = 0
        for i in 0..<8 { n += words[i].nonzeroBitCount }
        return n
    }

    @inlinable public func union(_ other: FeatureSet) -> FeatureSet { FeatureSet(words: words | other.words) }
    @inlinable public func intersection(_ other: FeatureSet) -> FeatureSet { FeatureSet(words: words & other.words) }
    @inlinable public func subtracting(_ other: FeatureSet) -> FeatureSet { FeatureSet(words: words & ~other.words) }
    @inlinable public mutating func formUnion(_ other: FeatureSet) { words |= other.words }
    @inlinable public mutating func formIntersection(_ other: FeatureSet) { words &= other.words }
    @inlinable public mutating func subtract(_ other: FeatureSet) { words &= ~other.words }

    /// Every feature of `self` is in `other`.
    @inlinable public func isSubset(of other: FeatureSet) -> Bool {
        (words & ~other.words) == .zero
    }

    @inlinable public func isSuperset(of other: FeatureSet) -> Bool { other.isSubset(of: self) }

    /// The member indices in increasing order.
    public var indices: [Int] {
        var result: [Int] = []
        result.reserveCapacity(count)
        for w in 0..<8 {
            var word = words[w]
            while word != 0 {
                let bit = word.trailingZeroBitCount
                result.append(w * 64 + bit)
                word &= word - 1
            }
        }
        return result
    }
}
