#define LOCALEDIR "/usr/local/share/locale"
#define SYSCONFDIR "/etc"
