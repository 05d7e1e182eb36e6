import BentoServices

print("ServicesBenchmark: not written yet")
