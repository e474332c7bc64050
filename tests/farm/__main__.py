"""`PYTHONPATH=tests python -m farm --agencies 2000 --hosts 50 --seed 1 --out DIR`: serve a bench farm."""

from .bench import main

main()
