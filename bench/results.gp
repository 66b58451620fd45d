set terminal pngcairo size 1000,1800 font ",10"
set output "/work/main/bench/results.png"
set multiplot layout 5,1
set style fill solid 0.8
set boxwidth 0.6
set grid ytics
set yrange [0:*]
set ylabel "median ms (lower is better)"
set xtics rotate by -20
set title "init"
plot "/work/main/bench/init.dat" using 1:3:xtic(2) with boxes notitle, "" using 1:3:(sprintf("%.3f",$3)) with labels offset 0,0.7 notitle
set title "run"
plot "/work/main/bench/run.dat" using 1:3:xtic(2) with boxes notitle, "" using 1:3:(sprintf("%.3f",$3)) with labels offset 0,0.7 notitle
set title "net"
plot "/work/main/bench/net.dat" using 1:3:xtic(2) with boxes notitle, "" using 1:3:(sprintf("%.3f",$3)) with labels offset 0,0.7 notitle
set title "exec"
plot "/work/main/bench/exec.dat" using 1:3:xtic(2) with boxes notitle, "" using 1:3:(sprintf("%.3f",$3)) with labels offset 0,0.7 notitle
set title "cgroup"
plot "/work/main/bench/cgroup.dat" using 1:3:xtic(2) with boxes notitle, "" using 1:3:(sprintf("%.3f",$3)) with labels offset 0,0.7 notitle
unset multiplot
