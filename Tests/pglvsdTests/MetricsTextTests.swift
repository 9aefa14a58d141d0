import PoolCore
import Testing
@testable import pglvsd

/// The node_exporter textfile: label values escaped as the text format wants them.
@Suite struct MetricsTextTests {
    @Test func labelValuesAreEscaped() {
        var tracker = PoolTracker()
        let result = tracker.cycle(CycleInput(now: 1, writer: .unavailable("no writer yet")), policy: PoolPolicy())
        let text = MetricsSnapshot(writerUp: true, pools: [(name: "a\"b\\c\r\nd", service: "TCP 10.0.0.200:5432", result: result)],
                                   lastCycleSeconds: 0.1, cycles: 3, kernelOperations: 0, kernelErrors: 0).render()
        #expect(text.contains("pglvsd_pool_serving{pool=\"a\\\"b\\\\c\r\\nd\",virtual_service=\"TCP 10.0.0.200:5432\"} 0"), "\(text)")
        #expect(text.contains("pglvsd_writer_up 1"))
    }
}
