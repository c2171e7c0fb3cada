from anniv.quick import main_exit

main_exit()
