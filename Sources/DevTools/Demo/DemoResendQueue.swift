import StreamDaemon

/// Earlier messages scheduled to be sent again (exact duplicates), as a min-heap ordered by the
/// emission index they are due at (ties: scheduling order, so the output is deterministic).
struct DemoResendQueue {
    struct Entry {
        /// Emission index (within the topic) at or after which the copy is sent.
        var due: Int
        var sequence: Int
        var key: [UInt8]
        var value: [UInt8]
        /// Packed peer-check key of the row (duplicates count in the peer check).
        var peerKey: UInt64

        func precedes(_ other: Entry) -> Bool {
            due != other.due ? due < other.due : sequence < other.sequence
        }
    }

    private var heap: [Entry] = []
    private var sequence = 0

    var count: Int { heap.count }

    /// The entry due first, if any.
    var first: Entry? { heap.first }

    mutating func schedule(due: Int, key: [UInt8], value: [UInt8], peerKey: UInt64) {
        heap.append(Entry(due: due, sequence: sequence, key: key, value: value, peerKey: peerKey))
        sequence += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the entry due first. The queue must not be empty.
    mutating func removeFirst() -> Entry {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { break }
                var best = left
                if left + 1 < heap.count, heap[left + 1].precedes(heap[left]) { best = left + 1 }
                guard heap[best].precedes(heap[parent]) else { break }
                heap.swapAt(best, parent)
                parent = best
            }
        }
        return top
    }
}
