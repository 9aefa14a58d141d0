import Testing
import LVSModel
@testable import IPVS

/// IPVS_CMD_NEW_DAEMON / DEL_DAEMON / GET_DAEMON, byte for byte against <linux/ip_vs.h>'s layout.
@Suite struct SyncDaemonCodecTests {
    @Test func startingAMasterSendsStateInterfaceAndSyncID() {
        let daemon = SyncDaemon(role: .master, interface: "eth1", syncID: 7)
        let bytes = IPVSRequest.startSyncDaemon(daemon).encode(family: 0x21, sequence: 3, portID: 9)
        let expected = le32(UInt32(bytes.count)) + le16(0x21) + le16(0x5) + le32(3) + le32(9)
            + [9, 1, 0, 0]                                            // IPVS_CMD_NEW_DAEMON, version 1
            + attr(3, attr(1, le32(1))                                // IPVS_CMD_ATTR_DAEMON: STATE = MASTER
                      + attr(2, Array("eth1".utf8) + [0])             //   MCAST_IFN
                      + attr(3, le32(7)))                             //   SYNC_ID
        #expect(bytes == expected)
    }

    @Test func stoppingABackupSendsItsStateAlone() {
        let bytes = IPVSRequest.stopSyncDaemon(.backup).encode(family: 0x21, sequence: 4, portID: 9)
        let expected = le32(UInt32(bytes.count)) + le16(0x21) + le16(0x5) + le32(4) + le32(9)
            + [10, 1, 0, 0] + attr(3, attr(1, le32(2)))              // IPVS_CMD_DEL_DAEMON: STATE = BACKUP
        #expect(bytes == expected)
    }

    @Test func listingIsADump() {
        let bytes = IPVSRequest.listSyncDaemons.encode(family: 0x21, sequence: 5, portID: 9)
        #expect(Array(bytes[6..<8]) == le16(0x301))                   // REQUEST | DUMP
        #expect(bytes[16] == 11)                                      // IPVS_CMD_GET_DAEMON
    }

    @Test func aKernelsReplyDecodesWithItsDetails() throws {
        let daemon = attr(1, le32(2)) + attr(2, Array("lan".utf8) + [0]) + attr(3, le32(200))
            + attr(4, le16(1472)) + attr(5, [224, 0, 0, 81]) + attr(7, le16(8848)) + attr(8, [1])
        let reply = message(type: 0x21, flags: 0x2, sequence: 5, command: 9, attr(3, daemon))
        let messages = try NetlinkDecoding.messages(in: reply[...])
        let decoded = try IPVSDecoding.syncDaemon(from: messages[0])
        #expect(decoded == SyncDaemon(role: .backup, interface: "lan", syncID: 200,
                                      details: .init(maximumLength: 1472, group: IPAddress("224.0.0.81"), port: 8848, ttl: 1)))
        #expect(IPVSTableText.render([decoded]) == "backup sync daemon (mcast=lan, syncid=200, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n")
    }

    @Test func anOldKernelsReplyHasNoDetails() throws {
        let daemon = attr(1, le32(1)) + attr(2, Array("eth0".utf8) + [0]) + attr(3, le32(1))
        let messages = try NetlinkDecoding.messages(in: message(type: 0x21, flags: 0x2, sequence: 5, command: 9, attr(3, daemon))[...])
        let decoded = try IPVSDecoding.syncDaemon(from: messages[0])
        #expect(decoded.details == nil)
        #expect(IPVSTableText.render([decoded]) == "master sync daemon (mcast=eth0, syncid=1)\n")
    }

    @Test func aReplyWithoutAStateOrInterfaceIsAnError() throws {
        for daemon in [attr(2, Array("eth0".utf8) + [0]) + attr(3, le32(1)), attr(1, le32(9)) + attr(3, le32(1)),
                       attr(1, le32(1)) + attr(3, le32(1))] {
            let messages = try NetlinkDecoding.messages(in: message(type: 0x21, flags: 0x2, sequence: 5, command: 9, attr(3, daemon))[...])
            #expect(throws: IPVSDecodingError.self) { try IPVSDecoding.syncDaemon(from: messages[0]) }
        }
        let empty = try NetlinkDecoding.messages(in: message(type: 0x21, flags: 0x2, sequence: 5, command: 9, [])[...])
        #expect(throws: IPVSDecodingError.self) { try IPVSDecoding.syncDaemon(from: empty[0]) }
    }
}
