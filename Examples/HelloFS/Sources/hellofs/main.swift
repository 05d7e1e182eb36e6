import BentoHost
import HelloFS

FileSystemDaemon.main(HelloFSModule())
