import Testing
@testable import IPVS

/// A time budget bounds a batch of requests together (IPVSClient.timeBudget): each request's
/// receives wait the receive timeout or what is left of the budget, whichever is shorter, and
/// nothing is sent once it is spent.
@Suite struct KernelDeadlineTests {
    let now = ContinuousClock.now

    @Test func withoutADeadlineEachReceiveWaitsTheReceiveTimeout() {
        #expect(IPVSClient.receiveWait(timeoutMilliseconds: 3000, deadline: nil, now: now) == 3000)
    }

    @Test func aDeadlineCutsTheWaitToWhatIsLeft() {
        #expect(IPVSClient.receiveWait(timeoutMilliseconds: 3000, deadline: now + .milliseconds(700), now: now) == 700)
        #expect(IPVSClient.receiveWait(timeoutMilliseconds: 3000, deadline: now + .seconds(60), now: now) == 3000)
        // A fraction of a millisecond left is rounded up, never down to 0: SO_RCVTIMEO 0 waits for ever.
        #expect(IPVSClient.receiveWait(timeoutMilliseconds: 3000, deadline: now + .microseconds(10), now: now) == 1)
    }

    @Test func aPassedDeadlineLeavesNoWait() {
        #expect(IPVSClient.receiveWait(timeoutMilliseconds: 3000, deadline: now, now: now) == nil)
        #expect(IPVSClient.receiveWait(timeoutMilliseconds: 3000, deadline: now - .seconds(1), now: now) == nil)
    }

    @Test func aRequestNotSentSaysSo() {
        let error = IPVSError(operation: .listServices, kind: .outOfTime)
        #expect(error.description == "list virtual services: not sent: this cycle's time for the kernel is spent (the next cycle carries on)")
    }
}
