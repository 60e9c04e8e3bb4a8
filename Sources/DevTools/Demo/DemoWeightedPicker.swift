import Foundation
import StreamDaemon

/// Weighted choice of an index through a cumulative table (binary search per pick).
struct DemoWeightedPicker {
    private let cumulative: [Double]

    /// `weights` must be non-empty and positive.
    init(weights: [Double]) {
        var sum = 0.0
        var table: [Double] = []
        table.reserveCapacity(weights.count)
        for w in weights {
            sum += w
            table.append(sum)
        }
        cumulative = table.map { $0 / sum }
    }

    /// Zipf popularity: weight 1/(rank+1)^exponent for `count` items in rank order.
    init(zipfCount count: Int, exponent: Double) {
        self.init(weights: (0..<count).map { 1.0 / pow(Double($0 + 1), exponent) })
    }

    var count: Int { cumulative.count }

    /// Picks an index with probability proportional to its weight.
    func pick(_ random: inout DemoRandom) -> Int {
        let u = random.unit()
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
