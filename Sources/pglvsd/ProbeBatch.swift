import Dispatch
import LVSModel
import PoolCore

/// True the first time only. Confined to the prober's `queue`, asserted by dispatchPrecondition.
final class FirstAnswer: @unchecked Sendable {
    private let queue: DispatchQueue
    private var done = false

    init(queue: DispatchQueue) { self.queue = queue }

    func first() -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        defer { done = true }
        return !done
    }
}

/// Gathers one batch of probe answers (`ReplicaProber.probe`); completes once, when the last one arrives. Confined to
/// the prober's `queue`, asserted by dispatchPrecondition.
final class ProbeBatch: @unchecked Sendable {
    private let queue: DispatchQueue
    private var expected: Int
    private var answers: [SocketEndpoint: ReplicaProbe] = [:]
    private let completion: @Sendable ([SocketEndpoint: ReplicaProbe]) -> Void

    init(expected: Int, queue: DispatchQueue, completion: @escaping @Sendable ([SocketEndpoint: ReplicaProbe]) -> Void) {
        self.expected = expected
        self.queue = queue
        self.completion = completion
    }

    func add(_ endpoint: SocketEndpoint, _ probe: ReplicaProbe) {
        dispatchPrecondition(condition: .onQueue(queue))
        answers[endpoint] = probe
        expected -= 1
        if expected == 0 { finish() }
    }

    func finish() {
        dispatchPrecondition(condition: .onQueue(queue))
        completion(answers)
    }
}
