import Testing
@testable import BentoHost
import BentoSystem
import Glibc

@Suite struct MountOptionsTests {
    @Test func parsesKernelAndBentoOptions() throws {
        let options = try MountOptions(parsing: "allow_other,default_permissions,ro,fsname=data,subtype=memfs,max_read=131072,threads=8,writeback,color=blue")
        #expect(options.allowOther && options.defaultPermissions && options.readOnly)
        #expect(options.fsName == "data" && options.subtype == "memfs")
        #expect(options.maxRead == 131072 && options.threads == 8 && options.writebackCache == true)
        #expect(options.extra == ["color": "blue"])
    }

    /// An option neither common nor the type's own is refused before mounting, named in the message; a type's
    /// own options (xv6fs's `data`, passthrough's `cache`) pass for it and for no other type.
    @Test func optionsATypeDoesNotTakeAreRefusedByName() throws {
        let memfs = FileSystemType(name: "memfs", version: "1", summary: "") { _, _ throws(HostError) in throw HostError("unused") }
        let xv6fs = FileSystemType(name: "xv6fs", version: "1", summary: "", optionNames: ["data", "cache_size"]) {
            _, _ throws(HostError) in throw HostError("unused")
        }
        let common = try MountOptions(parsing: "allow_other,default_permissions,no_default_permissions,ro,rw,fsname=x,subtype=y,max_read=4096,suid,dev,noatime,threads=2,writeback,nowriteback,transport=dev,readahead=512")
        try memfs.check(common)
        try xv6fs.check(try MountOptions(parsing: "ro,data=journal,cache_size=64M"))
        #expect(try MountOptions(parsing: "ro,bogus=1,data=x,bogus,noexec").unknown(besides: []) == ["bogus", "data", "noexec"])
        for (type, list, named) in [(memfs, "ro,bogus=1", "-o bogus"), (memfs, "data=journal", "-o data"),
                                    (memfs, "cache=never", "-o cache"), (xv6fs, "passthrough=on", "-o passthrough"),
                                    (xv6fs, "noexec,color=blue", "-o noexec, -o color")] {
            do {
                try type.check(try MountOptions(parsing: list))
                Issue.record("\(type.name) took -o \(list)")
            } catch {
                let message = "\(error)"
                #expect(message.contains(named) && message.contains(type.name), "\(message)")
            }
        }
    }

    /// `allow_other` without `default_permissions` is refused for a type that does no permission checks itself.
    @Test func allowOtherWithoutKernelChecksNeedsATypeThatChecks() throws {
        let checking = FileSystemType(name: "memfs", version: "1", summary: "", checksPermissions: true) {
            _, _ throws(HostError) in throw HostError("unused")
        }
        let trusting = FileSystemType(name: "passthrough", version: "1", summary: "") { _, _ throws(HostError) in throw HostError("unused") }
        try checking.check(try MountOptions(parsing: "allow_other"))
        try trusting.check(try MountOptions(parsing: "allow_other,default_permissions"))
        try trusting.check(try MountOptions(parsing: "ro"))
        do {
            try trusting.check(try MountOptions(parsing: "allow_other"))
            Issue.record("passthrough took allow_other without default_permissions")
        } catch {
            #expect("\(error)".contains("allow_other needs default_permissions"), "\(error)")
        }
    }

    @Test func metricsTakesAPortAndRefusesAnythingElse() throws {
        #expect(try MountOptions(parsing: "metrics=9101").metricsPort == 9101)
        #expect(try MountOptions(parsing: "ro").metricsPort == nil)
        for bad in ["metrics", "metrics=0", "metrics=65536", "metrics=http"] {
            #expect(throws: MountOptionError.self, "\(bad)") { try MountOptions(parsing: bad) }
        }
    }

    @Test func passthroughIsOnOffOrTheFileSystemsChoice() throws {
        #expect(try MountOptions(parsing: "ro").passthrough == nil)
        #expect(try MountOptions(parsing: "passthrough=off").passthrough == false)
        #expect(try MountOptions(parsing: "passthrough=off,passthrough=on").passthrough == true)
    }

    @Test func accessTimesAreRelatimeUnlessTheLastOfThemSaysOtherwise() throws {
        #expect(try MountOptions(parsing: "ro").accessTimes == .relatime)
        #expect(try MountOptions(parsing: "noatime").accessTimes == .noatime)
        #expect(try MountOptions(parsing: "noatime,strictatime").accessTimes == .strictatime)
        #expect(try MountOptions(parsing: "strictatime,relatime").accessTimes == .relatime)
        #expect(try MountOptions(parsing: "noatime").moduleOptions.accessTimes == .noatime)
        #expect(throws: MountOptionError.self) { try MountOptions(parsing: "noatime=1") }
        let flags = { (list: String) throws -> KernelMount.Flags in Mounter.kernelOptions(descriptor: 3, options: try MountOptions(parsing: list)).flags }
        #expect(try flags("noatime").contains(.noAccessTime))
        #expect(try flags("strictatime").contains(.strictAccessTime))
        #expect(try flags("ro").contains([.relativeAccessTime, .readOnly]))
    }

    @Test func rejectsMalformedValuesWithTheOptionsName() throws {
        #expect(throws: MountOptionError.self) { try MountOptions(parsing: "max_read=lots") }
        #expect(throws: MountOptionError.self) { try MountOptions(parsing: "fsname=") }
        #expect(throws: MountOptionError.self) { try MountOptions(parsing: "threads=0") }
        #expect(throws: MountOptionError.self) { try MountOptions(parsing: "cache=sometimes") }
        #expect(try MountOptions(parsing: "cache=never").cache == .never)
        #expect(throws: MountOptionError.self) { try MountOptions(parsing: "passthrough=maybe") }
        #expect(throws: MountOptionError.self) { try MountOptions(parsing: "passthrough") }
        do {
            _ = try MountOptions(parsing: "max_read=x")
        } catch {
            #expect(error.description.contains("max_read"))
        }
    }
}
