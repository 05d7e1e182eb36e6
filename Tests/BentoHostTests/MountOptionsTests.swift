import Testing
import BentoHost

@Suite struct MountOptionsTests {
    @Test func parsesKernelAndBentoOptions() throws {
        let options = try MountOptions(parsing: "allow_other,default_permissions,ro,fsname=data,subtype=memfs,max_read=131072,threads=8,writeback,color=blue")
        #expect(options.allowOther && options.defaultPermissions && options.readOnly)
        #expect(options.fsName == "data" && options.subtype == "memfs")
        #expect(options.maxRead == 131072 && options.threads == 8 && options.writebackCache == true)
        #expect(options.extra == ["color": "blue"])
    }

    @Test func passthroughIsOnOffOrTheFileSystemsChoice() throws {
        #expect(try MountOptions(parsing: "ro").passthrough == nil)
        #expect(try MountOptions(parsing: "passthrough=off").passthrough == false)
        #expect(try MountOptions(parsing: "passthrough=off,passthrough=on").passthrough == true)
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
