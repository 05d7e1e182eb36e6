import BentoHost
import BentoKit
import FUSEWire
import Testing

/// `-o transport=`, how `auto` (the default) is settled before mounting, and what INIT answers for it:
/// FUSE_OVER_IO_URING (flags2 bit 9, fuse.h bit 41) only when the mount settled on the ring and the kernel offers it.
@Suite struct TransportTests {
    @Test func transportOptionTakesAutoDevOrUringAndNothingElse() throws {
        #expect(try MountOptions(parsing: "ro").transport == .auto)
        #expect(MountOptions().transport == .auto)
        #expect(try MountOptions(parsing: "transport=uring").transport == .uring)
        #expect(try MountOptions(parsing: "transport=dev").transport == .dev)
        #expect(try MountOptions(parsing: "transport=dev,transport=auto").transport == .auto)
        #expect(try MountOptions(parsing: "transport=uring,transport=dev").transport == .dev)
        for bad in ["transport=io_uring", "transport=", "transport", "transport=AUTO"] {
            #expect(throws: MountOptionError.self) { try MountOptions(parsing: bad) }
        }
        let refused = #expect(throws: MountOptionError.self) { try MountOptions(parsing: "transport=fast") }
        #expect(refused?.description == "transport must be one of auto, dev, uring, not 'fast'")
    }

    /// Every machine the pre-mount check can meet: the switch missing, off or on; root or not; an io_uring
    /// creatable or not.
    static let machines: [(switch: URingSwitch, isRoot: Bool, ringError: String?)] =
        [URingSwitch.missing, .off, .on].flatMap { state in
            [false, true].flatMap { isRoot in [nil, "EPERM"].map { (state, isRoot, $0) } }
        }

    @Test func autoUsesTheRingWhereTheKernelCanServeItElseDev() {
        let decide = { (state: URingSwitch, isRoot: Bool, ringError: String?) in
            Transport.decide(.auto, switch: state, isRoot: isRoot, ringError: ringError)
        }
        // The ring: the switch on (root or not: the kernel checks no capability for the ring's commands), or off
        // and we are root, who turns it on; and an io_uring can be created.
        #expect(decide(.on, false, nil) == .uring(turnSwitchOn: false))
        #expect(decide(.on, true, nil) == .uring(turnSwitchOn: false))
        #expect(decide(.off, true, nil) == .uring(turnSwitchOn: true))
        // Otherwise /dev/fuse, with the reason, and the switch left alone.
        #expect(decide(.missing, true, nil) == .fallBack(.notInKernel))
        #expect(decide(.missing, false, "EPERM") == .fallBack(.notInKernel))
        #expect(decide(.off, false, nil) == .fallBack(.switchedOff))
        #expect(decide(.off, false, "EPERM") == .fallBack(.switchedOff))
        #expect(decide(.on, false, "EPERM") == .fallBack(.noRing("EPERM")))
        #expect(decide(.on, true, "EPERM") == .fallBack(.noRing("EPERM")))
        #expect(decide(.off, true, "EPERM") == .fallBack(.noRing("EPERM")))
    }

    @Test func explicitUringRefusesWhereAutoFallsBackAndDevNeverLooks() {
        for machine in Self.machines {
            let auto = Transport.decide(.auto, switch: machine.switch, isRoot: machine.isRoot, ringError: machine.ringError)
            let uring = Transport.decide(.uring, switch: machine.switch, isRoot: machine.isRoot, ringError: machine.ringError)
            let dev = Transport.decide(.dev, switch: machine.switch, isRoot: machine.isRoot, ringError: machine.ringError)
            #expect(dev == .dev, "\(machine)")
            switch auto {
            case .fallBack(let why): #expect(uring == .refuse(why), "\(machine)")
            case .uring: #expect(uring == auto, "\(machine)")
            default: Issue.record("auto decided \(auto) on \(machine)")
            }
        }
    }

    @Test func reasonsNameTheCauseAndRefusalsTheFix() {
        let path = "/sys/module/fuse/parameters/enable_uring"
        #expect(URingUnavailable.notInKernel.description.contains("has no FUSE over io_uring"))
        #expect(URingUnavailable.switchedOff.description == "FUSE over io_uring is off (\(path) is N) and only root can turn it on")
        #expect(URingUnavailable.noRing("EPERM").description.contains("cannot create an io_uring (EPERM)"))
        #expect(URingUnavailable.notInKernel.refusal == """
            transport=uring needs FUSE over io_uring (Linux 6.14+ built with CONFIG_FUSE_IO_URING): \
            \(path) does not exist here; use transport=dev
            """)
        #expect(URingUnavailable.switchedOff.refusal == """
            transport=uring: FUSE over io_uring is off (\(path) is N); as root: echo Y > \(path), or use transport=dev
            """)
        #expect(URingUnavailable.noRing("EPERM").refusal.hasSuffix("or use transport=dev"))
        #expect(URingUnavailable.switchNotWritable("EACCES").refusal.contains("cannot turn FUSE over io_uring on"))
    }

    @Test func initAsksForTheRingOnlyWhenOfferedAndWanted() throws {
        var uring = MountOptions()
        uring.transport = .uring
        let offered = Dispatcher(fileSystem: DictionaryTestFileSystem(), options: uring)
        let reply = try #require(offered.reply(initRequest(flags: kernelOffer.union(.overIOURing))))
        #expect(reply.u32(at: 32) & (1 << 9) != 0)  // flags2: FUSE_OVER_IO_URING
        #expect(try #require(offered.negotiated).usesIOURing)

        let notOffered = Dispatcher(fileSystem: DictionaryTestFileSystem(), options: uring)
        _ = notOffered.handle(initRequest(flags: kernelOffer))
        #expect(try #require(notOffered.negotiated).usesIOURing == false)

        var devOptions = MountOptions()
        devOptions.transport = .dev
        let dev = Dispatcher(fileSystem: DictionaryTestFileSystem(), options: devOptions)
        let devReply = try #require(dev.reply(initRequest(flags: kernelOffer.union(.overIOURing))))
        #expect(devReply.u32(at: 32) & (1 << 9) == 0)
        #expect(try #require(dev.negotiated).usesIOURing == false)

        // `auto` is settled by the session before mounting; a dispatcher given it unsettled asks for nothing.
        let unsettled = Dispatcher(fileSystem: DictionaryTestFileSystem(), options: MountOptions())
        let unsettledReply = try #require(unsettled.reply(initRequest(flags: kernelOffer.union(.overIOURing))))
        #expect(unsettledReply.u32(at: 32) & (1 << 9) == 0)
    }
}
