/// Hands the reader to its read-ahead thread.
///
/// `@unchecked Sendable`: the thread only reads blocks into the slots the semaphores give it, and
/// the caller waits for the thread to finish before the iteration returns.
struct UncheckedReader: @unchecked Sendable {
    let reader: AvroContainerReader
}
