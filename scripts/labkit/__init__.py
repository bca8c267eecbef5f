"""The workshop kit: lab regions, make-lab and the coverage run."""
