import type { LessonResources } from './lesson.en.ts';

/** 课程界面的中文文字（app/panels/lessons/*）；课程本身的文字在课程文件中（src/lessons/data）。 */
export const lessonZhCN: LessonResources = {
  lessons: '课程',
  listTitle: '课程',
  steps: '{{n}} 步',
  openFile: '打开课程文件…',
  openFileHint: '以 JSON 文件编写的课程（见 src/lessons/README.md）；打开前会先检查。',
  fileOpened: '已打开课程“{{title}}”。',
  close: '关闭',
  exit: '退出课程',
  stepOf: '第 {{step}} 步，共 {{total}} 步',
  prev: '上一步',
  next: '下一步',
  finish: '完成',
  todo: '轮到你了：',
  waiting: '等待你的操作…',
  done: '完成 ✓',
  openLab: '打开退化实验室',
  startLab: '立即训练两个网络',
  openLesion: '打开损伤研究',
  startLesion: '运行研究',
  signalsCaption: '初始化时逐层比较：这个网络与对应的普通网络。',
};
