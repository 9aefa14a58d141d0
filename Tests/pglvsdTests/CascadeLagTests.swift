import Postgres
import Testing
@testable import pglvsd

/// A cascaded standby's lag against the writer's position, read moments apart in one round.
@Suite struct CascadeLagTests {
    let writer = WALPosition("1/0")

    @Test func behindTheWriter() {
        #expect(ReconcileLoop.lag(of: "0/FFFFF000", behind: writer) == 4096)
        #expect(ReconcileLoop.lag(of: "1/0", behind: writer) == 0)
    }

    /// Ahead by what the writer may have written since its report: caught up. Further: ahead (-1),
    /// which the core takes for no honest standby.
    @Test func aheadOfTheWriter() {
        #expect(ReconcileLoop.lag(of: "1/100000", behind: writer) == 0)
        #expect(ReconcileLoop.lag(of: "1/4000000", behind: writer) == 0, "64 MiB: the tolerance itself")
        #expect(ReconcileLoop.lag(of: "1/4000001", behind: writer) == -1)
    }

    /// No writer position this round (its report is older), or a position that is no LSN: unknown.
    @Test func unknown() {
        #expect(ReconcileLoop.lag(of: "0/1", behind: nil) == nil)
        #expect(ReconcileLoop.lag(of: nil, behind: writer) == nil)
        #expect(ReconcileLoop.lag(of: "garbage", behind: writer) == nil)
    }
}
