import Foundation

/// One scrape of the daemon's Prometheus text exposition, reduced to what a soak reads.
struct SoakMetrics {
    /// Every sample: family (metric name), label text (`{…}` or empty) and value.
    var samples: [(name: String, labels: String, value: Double)] = []

    init(text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            let series = line[..<space]
            if let brace = series.firstIndex(of: "{") {
                samples.append((String(series[..<brace]), String(series[brace...]), value))
            } else {
                samples.append((String(series), "", value))
            }
        }
    }

    /// The sum of a family's samples over all label sets (0 when absent).
    func sum(_ name: String) -> Double {
        samples.reduce(0) { $0 + ($1.name == name ? $1.value : 0) }
    }

    /// The value of an unlabelled sample; nil when absent.
    func value(_ name: String) -> Double? {
        samples.first { $0.name == name && $0.labels.isEmpty }?.value
    }

    /// A histogram's cumulative buckets `(upper bound, count)`, ascending, `+Inf` last.
    func buckets(_ histogram: String) -> [(le: Double, count: Double)] {
        var byBound: [Double: Double] = [:]
        for sample in samples where sample.name == histogram + "_bucket" {
            guard let start = sample.labels.range(of: "le=\"") else { continue }
            let rest = sample.labels[start.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { continue }
            let text = rest[..<end]
            let bound = text == "+Inf" ? Double.infinity : Double(text)
            if let bound { byBound[bound, default: 0] += sample.value }
        }
        return byBound.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The upper bound of the bucket holding the `quantile` of the observations made between
    /// `earlier` and `self` (cumulative buckets of the same histogram); nil without observations.
    static func quantileBound(
        _ quantile: Double, now: [(le: Double, count: Double)], earlier: [(le: Double, count: Double)]
    ) -> Double? {
        let before = Dictionary(earlier.map { ($0.le, $0.count) }, uniquingKeysWith: { $1 })
        let delta = now.map { (le: $0.le, count: $0.count - (before[$0.le] ?? 0)) }
        guard let total = delta.last?.count, total > 0 else { return nil }
        return delta.first { $0.count >= quantile * total }?.le
    }
}
