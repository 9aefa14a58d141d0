// Fuzzing within `swift test`: a fixed number of inputs from a fixed seed, so that every run
// (CI's included) tries the same inputs in a bounded time, and a failure names the input that
// reproduces it.
import Dispatch
import Foundation

/// SplitMix64: small, fast, and the same sequence on every machine for a seed.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// 0..<bound, by the generator's own arithmetic (not the standard library's, whose
    /// algorithm may change between toolchains and with it every input).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }

    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// True once in `times` on average.
    public mutating func oneIn(_ times: Int) -> Bool { below(times) == 0 }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    public mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}

/// What one campaign tried and found.
public struct FuzzOutcome: Sendable, CustomStringConvertible {
    public var name: String
    public var seed: UInt64
    public var inputs: Int
    /// The first few failures (input number and what went wrong); `failureCount` counts them all.
    public var failures: [String]
    public var failureCount: Int
    public var elapsed: Duration
    public var slowest: Duration
    /// The largest growth of the process's resident set seen during the campaign (the whole
    /// test process: other suites run alongside).
    public var residentGrowth: Int

    public var description: String {
        "fuzz \(name): \(inputs) inputs, \(failureCount) failures, seed \(seed) "
            + "(\(Fuzz.milliseconds(elapsed)) ms, slowest input \(Fuzz.milliseconds(slowest)) ms, "
            + "resident +\(residentGrowth >> 20) MiB)"
    }
}

/// Runs fuzz campaigns. The environment can change a run, never CI's:
/// - `PGLVSD_FUZZ_SEED=N`: another seed;
/// - `PGLVSD_FUZZ_SCALE=X`: X times as many inputs (a long local run);
/// - `PGLVSD_FUZZ_INPUT=N`: only input N, printed before it is tried (to reproduce a trap);
/// - `PGLVSD_FUZZ_TRACE=1`: every input printed to standard error before it is tried.
public enum Fuzz {
    /// An input slower than this is a failure (debug build, a loaded CI machine: each input
    /// normally takes well under a hundredth of it).
    public static let defaultInputLimit: Duration = .seconds(3)
    /// An input still running after this is a hang: the process is stopped with the input's
    /// number rather than leaving CI waiting for its own timeout.
    public static let hangLimit: Duration = .seconds(60)
    public static let defaultResidentLimit = 512 << 20

    public static func run<Input>(_ name: String, inputs count: Int, seed defaultSeed: UInt64 = 42,
                                  inputLimit: Duration = defaultInputLimit, residentLimit: Int = defaultResidentLimit,
                                  generate: (inout SeededGenerator) -> Input,
                                  check: (Input) -> String?) async -> FuzzOutcome {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["PGLVSD_FUZZ_SEED"].flatMap { UInt64($0) } ?? defaultSeed
        let scale = environment["PGLVSD_FUZZ_SCALE"].flatMap { Double($0) } ?? 1
        let only = environment["PGLVSD_FUZZ_INPUT"].flatMap { Int($0) }
        let trace = environment["PGLVSD_FUZZ_TRACE"] == "1" || only != nil
        let indices = only.map { [$0] } ?? Array(0..<max(1, Int(Double(count) * scale)))

        let watchdog = Watchdog(name: name, seed: seed)
        defer { watchdog.stop() }
        let clock = ContinuousClock()
        let baseline = residentBytes()
        var outcome = FuzzOutcome(name: name, seed: seed, inputs: 0, failures: [], failureCount: 0,
                                  elapsed: .zero, slowest: .zero, residentGrowth: 0)
        let started = clock.now
        for index in indices {
            // Swift Testing runs tests on a pool as wide as the machine's cores: let the others
            // run now and then rather than wait for the whole campaign.
            if index % 64 == 63 { await Task.yield() }
            var generator = SeededGenerator(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
            let input = generate(&generator)
            if trace {
                FileHandle.standardError.write(Data("fuzz \(name) input \(index): \(String(reflecting: input))\n".utf8))
            }
            watchdog.begin(index)
            let inputStarted = clock.now
            let failure = check(input)
            let took = clock.now - inputStarted
            watchdog.end()
            outcome.inputs += 1
            outcome.slowest = max(outcome.slowest, took)
            var problem = failure
            if problem == nil && took > inputLimit {
                problem = "took \(milliseconds(took)) ms (limit \(milliseconds(inputLimit)) ms)"
            }
            if index % 256 == 0 {
                outcome.residentGrowth = max(outcome.residentGrowth, residentBytes() - baseline)
                if outcome.residentGrowth > residentLimit, problem == nil {
                    problem = "the resident set grew by \(outcome.residentGrowth >> 20) MiB"
                }
            }
            if let problem {
                outcome.failureCount += 1
                if outcome.failures.count < 5 {
                    outcome.failures.append("input \(index) (PGLVSD_FUZZ_SEED=\(seed) PGLVSD_FUZZ_INPUT=\(index)): \(problem)")
                }
            }
        }
        outcome.elapsed = clock.now - started
        outcome.residentGrowth = max(outcome.residentGrowth, residentBytes() - baseline)
        print(outcome)
        return outcome
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The resident set from /proc/self/statm (0 where there is none).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// Stops the process when one input runs past `Fuzz.hangLimit`, naming it.
private final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var current: (index: Int, started: ContinuousClock.Instant)?
    private let timer: any DispatchSourceTimer

    init(name: String, seed: UInt64) {
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [self] in
            lock.lock()
            let running = current
            lock.unlock()
            guard let running, ContinuousClock.now - running.started > Fuzz.hangLimit else { return }
            FileHandle.standardError.write(Data(("fuzz \(name): input \(running.index) still running after "
                + "\(Fuzz.hangLimit); reproduce with PGLVSD_FUZZ_SEED=\(seed) PGLVSD_FUZZ_INPUT=\(running.index)\n").utf8))
            abort()
        }
        timer.resume()
    }

    func begin(_ index: Int) {
        lock.lock()
        current = (index, ContinuousClock.now)
        lock.unlock()
    }

    func end() {
        lock.lock()
        current = nil
        lock.unlock()
    }

    func stop() {
        timer.cancel()
    }
}
